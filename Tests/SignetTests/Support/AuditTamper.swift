import Foundation
import Logging
import PostgresNIO
import SignetStore

/// Changes the audit tables the way only their owner (or a superuser) can: with the
/// append-only triggers disabled for one transaction. An attacker needs that privilege too.
enum AuditTamper {
    static let tables = ["audit_log", "audit_checkpoints", "audit_signers"]

    static func run(_ client: PostgresClient, _ statements: PostgresQuery...) async throws {
        let logger = Logger(label: "audit-tamper")
        try await client.withConnection { connection in
            _ = try await connection.query("BEGIN", logger: logger)
            do {
                for table in tables {
                    _ = try await connection.query(PostgresQuery(unsafeSQL: "ALTER TABLE \(table) DISABLE TRIGGER USER"), logger: logger)
                }
                for statement in statements { _ = try await connection.query(statement, logger: logger) }
                for table in tables {
                    _ = try await connection.query(PostgresQuery(unsafeSQL: "ALTER TABLE \(table) ENABLE TRIGGER USER"), logger: logger)
                }
                _ = try await connection.query("COMMIT", logger: logger)
            } catch {
                _ = try? await connection.query("ROLLBACK", logger: logger)
                throw error
            }
        }
    }
}

/// The database `deploy/test` keeps for tests that tamper with the audit trail, so that no
/// server seals into it and no other test sees the damage; emptied for each test that takes it.
struct AuditScratchDatabase: Sendable {
    let url: String
    let database: Database
    let runner: Task<Void, Never>

    static func make() async throws -> AuditScratchDatabase {
        let url = try TestEnvironment.variable("SIGNET_TEST_AUDIT_DATABASE_URL")
        var logger = Logger(label: "audit-scratch")
        logger.logLevel = .error
        let database = try Database(url: url, auditKey: try AuditKey(file: try TestEnvironment.variable("SIGNET_AUDIT_KEY_FILE")), maximumConnections: 4, logger: logger)
        let runner = Task { await database.run() }
        try await database.migrate()
        try await reset(database.client)
        return AuditScratchDatabase(url: url, database: database, runner: runner)
    }

    /// Empties the audit trail and what refers to it (as the owner, triggers off).
    static func reset(_ client: PostgresClient) async throws {
        try await AuditTamper.run(client, "TRUNCATE audit_log, audit_checkpoints, audit_signers, certificates, certificate_authorities CASCADE")
    }

    func close() {
        runner.cancel()
    }
}
