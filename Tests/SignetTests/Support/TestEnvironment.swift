import Foundation
import Logging
import PostgresNIO
import SignetCore
import SignetStore
import SignetToken

/// The real parts every test uses: the SoftHSM token and PostgreSQL database that
/// `deploy/test` prepared, named by environment variables. A missing variable fails the test
/// with the reason; nothing is skipped.
struct TestEnvironment: Sendable {
    let token: Token
    let database: Database
    let stores: CoreStores
    let core: SigningCore
    let modulePath: String
    let tokenLabel: String
    let pin: String

    static let shared: Result<TestEnvironment, any Error> = Result { try TestEnvironment() }

    static func get() async throws -> TestEnvironment {
        let environment = try shared.get()
        try await environment.migrated()
        return environment
    }

    private init() throws {
        modulePath = try Self.variable("SIGNET_PKCS11_MODULE")
        tokenLabel = try Self.variable("SIGNET_TOKEN_LABEL")
        let pinFile = try Self.variable("SIGNET_PIN_FILE")
        pin = try String(contentsOfFile: pinFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        token = try Token(TokenConfiguration(modulePath: modulePath, label: tokenLabel, pin: .file(pinFile), maxSessions: 4))
        var logger = Logger(label: "signet.test")
        logger.logLevel = .error
        database = try Database(
            url: try Self.variable("SIGNET_DATABASE_URL"),
            auditKey: try AuditKey(file: try Self.variable("SIGNET_AUDIT_KEY_FILE")),
            maximumConnections: 10,
            logger: logger
        )
        let database = self.database
        Task.detached { await database.run() }
        stores = database.stores
        core = SigningCore(token: token, stores: stores, publicBaseURL: "https://signet.test", logger: logger)
    }

    static func variable(_ name: String) throws -> String {
        guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else {
            throw TestSetupError("\(name) is not set: run the suite through deploy/test, which prepares the token and database")
        }
        return value
    }

    private static let migration = MigrationOnce()

    private func migrated() async throws {
        let database = self.database
        try await Self.migration.run { try await database.migrate() }
    }

    /// Rows from a query, for assertions that look at the database directly. Read as the
    /// store reads (`fetch`): a pooled connection that a test's fault closed is not written
    /// to (PostgresNIO never answers a statement on one, and the test would wait forever).
    func rows<T: PostgresDecodable>(_ query: PostgresQuery, as type: T.Type) async throws -> [T] {
        try await database.client.fetch(query).rows.map { try $0.decode(T.self) }
    }

    /// Rows of several columns, decoded as a tuple.
    func rows<each T: PostgresDecodable>(_ query: PostgresQuery, as type: (repeat each T).Type) async throws -> [(repeat each T)] {
        try await database.client.fetch(query).rows.map { try $0.decode((repeat each T).self) }
    }
}

/// Migrations run once per process, however many tests ask at the same time.
actor MigrationOnce {
    private var task: Task<Void, any Error>?
    func run(_ body: @escaping @Sendable () async throws -> Void) async throws {
        if let task { return try await task.value }
        let task = Task { try await body() }
        self.task = task
        try await task.value
    }
}

struct TestSetupError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A short random suffix so that ids never collide between tests or runs.
func unique(_ prefix: String) -> String {
    "\(prefix)-\(UInt32.random(in: .min ... .max))"
}
