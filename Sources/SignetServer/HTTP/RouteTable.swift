import Foundation
import HTTPTypes
import Hummingbird

/// Every route Signet serves, registered through one place so that the OpenAPI document
/// can be checked against the routes that really exist.
struct RouteSpec: Sendable, Hashable {
    let method: HTTPRequest.Method
    /// OpenAPI form: `/api/ca/v1/cas/{id}`.
    let path: String
    /// Nil for public routes (health, CRL, OCSP); otherwise who may call it.
    let roles: Set<Role>?
}

final class RouteTable: @unchecked Sendable {
    // @unchecked: only mutated while the router is being built, before serving starts.
    let router: Router<SignetRequestContext>
    private(set) var specs: [RouteSpec] = []
    /// The methods served under each router pattern, for `refuseOtherMethods()`.
    private var methods: [String: Set<HTTPRequest.Method>] = [:]

    init(router: Router<SignetRequestContext>) {
        self.router = router
    }

    typealias Handler = @Sendable (Request, SignetRequestContext) async throws -> Response

    /// Registers a route; with `roles`, the handler runs only for callers holding one of them.
    /// `matching` overrides the router pattern (e.g. `**` for a parameter that may contain '/').
    func add(_ method: HTTPRequest.Method, _ path: String, roles: Set<Role>?, matching: String? = nil, _ handler: @escaping Handler) {
        specs.append(RouteSpec(method: method, path: path, roles: roles))
        let routerPath = matching ?? path.split(separator: "/", omittingEmptySubsequences: false).map { segment in
            segment.hasPrefix("{") && segment.hasSuffix("}") ? ":" + segment.dropFirst().dropLast() : segment
        }.joined(separator: "/")
        methods[routerPath, default: []].insert(method)
        let facts = RouteFacts(template: path)
        router.on(RouterPath(routerPath), method: method) { request, context in
            context.logFacts.record(facts, parameters: context.parameters)
            if let roles { try context.require(roles) }
            return try await handler(request, context)
        }
    }
}

extension RouteTable {
    /// Methods a path may be asked for that it does not serve: RFC 9110's, and QUERY (the
    /// safe method with a body being standardised). HEAD is left to the router.
    private static let refusable: [HTTPRequest.Method] = [.get, .post, .put, .patch, .delete, .options, .trace, HTTPRequest.Method("QUERY")!]

    /// Answers a method a served path does not offer with 405 and an `Allow` header naming
    /// the ones it does (RFC 9110, section 15.5.6), instead of a 404 that says the resource
    /// is not there. Call it once, after every route is added; these answers are no routes
    /// of their own, so they stay out of `specs`.
    func refuseOtherMethods() {
        for (path, served) in methods {
            let allow = served.map(\.rawValue).sorted().joined(separator: ", ")
            for method in Self.refusable where !served.contains(method) {
                router.on(RouterPath(path), method: method) { request, context in
                    var response = try APIError(status: .methodNotAllowed, code: "method_not_allowed",
                                                message: "\(request.method.rawValue) is not served here; allowed: \(allow)")
                        .response(from: request, context: context)
                    response.headers[.allow] = allow
                    return response
                }
            }
        }
    }
}

extension Response {
    /// A JSON response with the API's encoder.
    static func json<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) throws -> Response {
        let data = try JSONEncoder.api.encode(value)
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func bytes(_ bytes: [UInt8], contentType: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: contentType], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
