import Foundation
import Hummingbird
import Logging
import PostgresNIO
import ServiceLifecycle
import SignetStore
import Synchronization

/// Knows whether the database answers, by pinging it every second with a short deadline.
/// While it does not, API requests fail at once with 503 and Retry-After instead of
/// waiting for a connection that will not come.
final class DatabaseHealth: Service, Sendable {
    private let client: PostgresClient
    private let logger: Logger
    private let up = Mutex(true)

    init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    var isUp: Bool { up.withLock { $0 } }

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let answered = await ping(within: .seconds(2))
            let changed = up.withLock { state in
                defer { state = answered }
                return state != answered
            }
            if changed { logger.warning(answered ? "database reachable again" : "database unreachable: answering 503") }
            try? await Task.sleep(for: .seconds(1))
        }
    }

    func ping(within deadline: Duration) async -> Bool {
        let client = self.client, logger = self.logger
        return (try? await withDeadline(deadline) { try await client.fetch("SELECT 1", logger: logger) }) != nil
    }
}

/// Turns API requests away with 503 while the database is known to be down.
struct DatabaseGateMiddleware: RouterMiddleware {
    typealias Context = SignetRequestContext
    let health: DatabaseHealth

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if request.isAPICall && !health.isUp {
            throw APIError.unavailable("the database is unavailable; retry later")
        }
        return try await next(request, context)
    }
}
