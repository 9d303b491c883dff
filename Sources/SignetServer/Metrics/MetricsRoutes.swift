import Hummingbird
import NIOCore
import SignetCore

/// Who may scrape `/metrics`: callers from `metrics_allow` without credentials (a local
/// Prometheus or agent), anyone else with a JWT holding `auditor` (or `admin`).
struct MetricsAccess: Sendable {
    let allowed: [IPRange]
    let verifier: CachingVerifier?

    /// Throws 401 or 403 unless the request may scrape.
    func check(_ request: Request, context: SignetRequestContext) throws {
        if let address = Self.address(context.channel.remoteAddress), allowed.contains(where: { $0.contains(address) }) { return }
        guard let verifier else { throw APIError.forbidden("metrics are served only to the addresses in metrics_allow") }
        var context = context
        do {
            context.identity = try verifier.verify(try AuthenticationMiddleware.bearer(request))
        } catch let error as APIError {
            throw error
        } catch {
            throw APIError.unauthorized("the bearer token was rejected: \(error)")
        }
        try context.require([.auditor])
    }

    /// The peer's address octets; an IPv4-mapped IPv6 address as its IPv4 octets.
    static func address(_ socket: SocketAddress?) -> [UInt8]? {
        guard let text = socket?.ipAddress, let octets = IPRange.address(text) else { return nil }
        if octets.count == 16, octets[..<10].allSatisfy({ $0 == 0 }), octets[10] == 0xFF, octets[11] == 0xFF { return Array(octets[12...]) }
        return octets
    }
}

/// `GET /metrics`: the Prometheus text exposition.
enum MetricsRoutes {
    static func register(_ routes: RouteTable, services: SignetServer.Services) {
        routes.add(.get, "/metrics", roles: nil) { request, context in
            try services.metricsAccess.check(request, context: context)
            return .bytes(services.metrics.exposition(maximumConnections: services.database.maximumConnections),
                          contentType: "text/plain; version=0.0.4; charset=utf-8")
        }
    }
}
