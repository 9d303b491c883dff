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
        router.on(RouterPath(routerPath), method: method) { request, context in
            if let roles { try context.require(roles) }
            return try await handler(request, context)
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
