import Foundation
import Logging
import PostgresNIO

/// Runs the numbered SQL files in `Migrations/` that the database has not seen, in order,
/// each in its own transaction. An advisory lock keeps several starting servers from racing.
public struct Migrator: Sendable {
    let client: PostgresClient
    let logger: Logger

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// The migrations shipped with this build: (version, file name, SQL).
    static func bundled() throws -> [(version: Int, name: String, sql: String)] {
        guard let directory = Bundle.module.url(forResource: "Migrations", withExtension: nil) else {
            throw StoreError.migration("the Migrations resource is missing from the build")
        }
        let files = try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "sql" }
        return try files.map { url in
            let name = url.lastPathComponent
            guard let version = Int(name.prefix { $0.isNumber }) else {
                throw StoreError.migration("migration file \(name) does not start with its number")
            }
            return (version, name, try String(contentsOf: url, encoding: .utf8))
        }.sorted { $0.version < $1.version }
    }

    public func run() async throws {
        let migrations = try Self.bundled()
        try await client.withConnection { connection in
            _ = try await connection.fetch("SELECT pg_advisory_lock(4242001)", logger: logger)
            do {
                try await apply(migrations, on: connection)
                _ = try await connection.fetch("SELECT pg_advisory_unlock(4242001)", logger: logger)
            } catch {
                _ = try? await connection.fetch("SELECT pg_advisory_unlock(4242001)", logger: logger)
                throw error
            }
        }
    }

    private func apply(_ migrations: [(version: Int, name: String, sql: String)], on connection: PostgresConnection) async throws {
        // Only when missing: a role without CREATE on the schema (a restricted runtime role,
        // see README) may start once the owner has migrated.
        var exists = false
        for try await present in try await connection.fetch("SELECT to_regclass('schema_migrations') IS NOT NULL", logger: logger).decode(Bool.self) {
            exists = present
        }
        if !exists {
            _ = try await connection.fetch(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())",
                logger: logger
            )
        }
        var applied = Set<Int>()
        for try await version in try await connection.fetch("SELECT version FROM schema_migrations", logger: logger).decode(Int.self) {
            applied.insert(version)
        }
        for migration in migrations where !applied.contains(migration.version) {
            logger.info("applying migration", metadata: ["file": "\(migration.name)"])
            _ = try await connection.fetch("BEGIN", logger: logger)
            do {
                for statement in Self.statements(migration.sql) {
                    _ = try await connection.fetch(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                _ = try await connection.fetch(
                    "INSERT INTO schema_migrations (version, name) VALUES (\(migration.version), \(migration.name))",
                    logger: logger
                )
                _ = try await connection.fetch("COMMIT", logger: logger)
            } catch {
                _ = try? await connection.fetch("ROLLBACK", logger: logger)
                throw StoreError.migration("\(migration.name) failed: \(String(reflecting: error))")
            }
        }
    }

    /// Splits a migration into statements at semicolons that end a line, outside `$$` bodies
    /// (the extended protocol takes one statement at a time).
    static func statements(_ sql: String) -> [String] {
        var statements: [String] = []
        var current = ""
        var inBody = false
        for line in sql.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("--") && current.isEmpty { continue }
            current += line + "\n"
            if line.components(separatedBy: "$$").count % 2 == 0 { inBody.toggle() }
            if !inBody && trimmed.hasSuffix(";") {
                statements.append(current.trimmingCharacters(in: .whitespacesAndNewlines))
                current = ""
            }
        }
        let rest = current.trimmingCharacters(in: .whitespacesAndNewlines)
        if !rest.isEmpty { statements.append(rest) }
        return statements
    }
}

/// Store failures that are not PostgreSQL's own errors.
public enum StoreError: Error, Sendable, CustomStringConvertible {
    case migration(String)
    case invalidDatabaseURL(String)
    case corruptRow(String)
    case invalidAuditKey(String)
    case unavailable(String)
    /// The pooled connection had closed before the statement was sent (the database
    /// restarted, or closed it); the statement never reached the database.
    case connectionClosed

    public var description: String {
        switch self {
        case .migration(let why): "database migration failed: \(why)"
        case .invalidDatabaseURL(let why): "invalid database URL: \(why)"
        case .corruptRow(let why): "unexpected row in the database: \(why)"
        case .invalidAuditKey(let why): "the audit key is unusable: \(why)"
        case .unavailable(let why): why
        case .connectionClosed: "the database connection had closed before the statement was sent"
        }
    }
}
