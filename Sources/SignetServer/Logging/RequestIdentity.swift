import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Synchronization

/// What the access log says about a request once it is answered, filled in as the request
/// passes the middleware and its route: the caller (known after authentication), and the
/// CA, serial, DMS or device it was about.
final class RequestLogFacts: Sendable {
    private let facts = Mutex<[String: String]>([:])

    func set(_ key: String, _ value: String) { facts.withLock { $0[key] = value } }
    var all: [String: String] { facts.withLock { $0 } }

    /// Records the entities a route's parameters name (see ``RouteFacts``).
    func record(_ route: RouteFacts, parameters: Parameters) {
        for (parameter, key) in route.keys {
            if let value = parameters.get(parameter) { set(key, String(value.prefix(200))) }
        }
    }
}

/// Which of a route's parameters name an entity the access log reports, worked out once
/// when the route is registered: `{serial}`, `{ca}`, `{aps}` (a DMS), and `{id}` by the
/// segment before it (`cas/{id}` a CA, `dms/{id}` a DMS, `devices/{id}` a device, …).
/// Values are the client's; the JSON log escapes them.
struct RouteFacts: Sendable {
    let keys: [(parameter: String, key: String)]

    init(template: String) {
        let segments = template.split(separator: "/")
        keys = segments.enumerated().compactMap { index, segment in
            guard segment.hasPrefix("{"), segment.hasSuffix("}") else { return nil }
            let name = String(segment.dropFirst().dropLast())
            let key: String? = switch name {
            case "serial": "serial"
            case "ca": "ca"
            case "aps": "dms"
            case "id": index > 0 ? Self.entities[String(segments[index - 1])] : nil
            default: nil
            }
            return key.map { (name, $0) }
        }
    }

    private static let entities = ["cas": "ca", "dms": "dms", "devices": "device", "profiles": "profile", "groups": "group", "jobs": "job"]
}

/// Gives every request an id, returned as `X-Request-Id` and carried in the log metadata of
/// everything logged for it, and writes one access-log line when it is answered (at debug
/// for 2xx and 3xx, info for 4xx, error for 5xx): route template, method, status, actor,
/// duration, and the entities it named.
///
/// The id is always Signet's own: one a client sent is not taken, so log lines cannot be
/// made to look as if they belonged to another request.
struct RequestLogMiddleware: RouterMiddleware {
    typealias Context = SignetRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let id = Self.newID()
        var context = context
        context.logger[metadataKey: "request_id"] = .string(id)
        let start = ContinuousClock.now
        do {
            var response = try await next(request, context)
            response.headers[.requestID] = id
            log(context, request, status: response.status.code, since: start)
            return response
        } catch {
            // ErrorMiddleware, inside this one, answers every error; this is only a fallback.
            log(context, request, status: (error as? any HTTPResponseError)?.status.code ?? 500, since: start)
            throw error
        }
    }

    private func log(_ context: Context, _ request: Request, status: Int, since start: ContinuousClock.Instant) {
        // An answered request is a debug line, a refused one info, a failure error: at the
        // default level the log holds what needs reading, and the sign path writes no line
        // per certificate (the audit trail records each one).
        let level: Logger.Level = status >= 500 ? .error : status >= 400 ? .info : .debug
        guard context.logger.logLevel <= level else { return }
        let elapsed = ContinuousClock.now - start
        let milliseconds = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        var metadata: Logger.Metadata = [
            "route": .string(context.routeTemplate),
            "method": .string(request.method.rawValue),
            "status": .stringConvertible(status),
            "duration_ms": .string(String(format: "%.2f", milliseconds)),
        ]
        for (key, value) in context.logFacts.all { metadata[key] = .string(value) }
        context.logger.log(level: level, "request", metadata: metadata)
    }

    /// 128 random bits as 32 lowercase hex digits.
    static func newID() -> String {
        func hex(_ value: UInt64) -> String {
            let digits = String(value, radix: 16)
            return String(repeating: "0", count: 16 - digits.count) + digits
        }
        return hex(UInt64.random(in: .min ... .max)) + hex(UInt64.random(in: .min ... .max))
    }
}

extension HTTPField.Name {
    static let requestID = HTTPField.Name("X-Request-Id")!
}
