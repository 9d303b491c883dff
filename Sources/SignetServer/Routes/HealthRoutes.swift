import Foundation
import Hummingbird
import PostgresNIO

/// `/health`: the process is up. `/ready`: the token and the database answer and the audit
/// chain is sealed and checkpointed within its bound (503 otherwise, naming what lags).
enum HealthRoutes {
    static func register(_ routes: RouteTable, services: SignetServer.Services) {
        routes.add(.get, "/health", roles: nil) { _, _ in
            try .json(["status": "UP"])
        }
        routes.add(.get, "/openapi.json", roles: nil) { _, _ in
            .bytes(try OpenAPIDocument.bytes(), contentType: "application/json")
        }
        routes.add(.get, "/ready", roles: nil) { _, context in
            var problems: [String] = []
            do {
                let token = services.token
                _ = try await token.perform { try token.mechanisms() }
            } catch {
                problems.append("token: \(error)")
            }
            if await !DatabaseHealth(client: services.database.client, logger: context.logger).ping(within: .seconds(2)) {
                problems.append("database: unreachable")
            } else if let status = try? await services.database.auditCheckpoints.status() {
                problems += AuditHealth.problems(status, settings: services.auditSettings).map { "audit: \($0)" }
            }
            guard problems.isEmpty else {
                throw APIError(status: .serviceUnavailable, code: "not_ready", message: problems.joined(separator: "; "), retryAfterSeconds: 5)
            }
            return try .json(["status": "READY"])
        }
    }
}

/// The OpenAPI document shipped with this build (`Sources/SignetServer/openapi.json`).
enum OpenAPIDocument {
    static func bytes() throws -> [UInt8] {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "json") else {
            throw APIError.internal("openapi-missing")
        }
        return Array(try Data(contentsOf: url))
    }
}
