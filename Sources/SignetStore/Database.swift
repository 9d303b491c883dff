import Foundation
import Logging
import PostgresNIO
import SignetCore

/// The PostgreSQL connection pool and the repositories built on it.
///
/// `run()` must be running (in a task group or service group) for queries to proceed.
public final class Database: Sendable {
    public let client: PostgresClient
    let auditKey: AuditKey
    let logger: Logger
    let certificates: PostgresCertificateStore
    let audit: PostgresAuditLog
    let profileCache: TTLCache<StoredProfile>
    let caCache: TTLCache<CARecord>
    /// The most connections the pool opens.
    public let maximumConnections: Int

    /// - Parameter url: `postgres://user:password@host:port/database`, with `?sslmode=` one of
    ///   `disable` (the default), `allow`, `prefer`, `require`, `verify-ca`, `verify-full`, and
    ///   optionally `sslrootcert=<PEM file>` (see `DatabaseSSLMode`).
    /// - Parameter auditKey: authenticates every audit row this process writes.
    /// - Parameter cacheTTL: how long a CA or profile read may be reused (see `TTLCache`).
    public init(url: String, auditKey: AuditKey, maximumConnections: Int = 20, cacheTTL: Duration = .seconds(1), logger: Logger = Logger(label: "signet.store")) throws {
        var configuration = try Self.configuration(url: url)
        configuration.options.maximumConnections = maximumConnections
        // Signet's named prepared statements (the hot reads and writes) take the same plan
        // for every value, so PostgreSQL plans them once per connection. Planning anything
        // that touches `certificates` weighs all its indexes; left to the default, a
        // statement whose generic plan looks costlier than a custom one is planned on every
        // execution. Unnamed one-off statements (filtered lists) are planned per call either way.
        configuration.options.additionalStartupParameters.append(("plan_cache_mode", "force_generic_plan"))
        // Names this process's connections, so that `pg_stat_activity` tells which are idle.
        configuration.options.additionalStartupParameters.append(("application_name", Self.applicationName))
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        self.client = client
        self.maximumConnections = maximumConnections
        self.auditKey = auditKey
        self.logger = logger
        let writer = IssuanceWriter(client: client, key: auditKey, logger: logger)
        self.certificates = PostgresCertificateStore(client: client, logger: logger, writer: writer)
        self.audit = PostgresAuditLog(client: client, key: auditKey, logger: logger, writer: writer)
        self.profileCache = TTLCache(ttl: cacheTTL)
        self.caCache = TTLCache(ttl: cacheTTL)
    }

    /// What this process's connections call themselves in `pg_stat_activity`.
    public static let applicationName = "signet-\(ProcessInfo.processInfo.processIdentifier)"

    /// Runs the pool until the surrounding task is cancelled.
    public func run() async { await client.run() }

    public func migrate() async throws { try await Migrator(client: client, logger: logger).run() }

    /// The audit trail for API events (decisions reach it through the core's stores).
    public var auditTrail: any AuditTrail { audit }

    public var auditChain: AuditChain { AuditChain(client: client, key: auditKey, logger: logger) }

    public var stores: CoreStores {
        CoreStores(
            profiles: CachedProfileStore(base: PostgresProfileStore(client: client, logger: logger), cache: profileCache),
            cas: CachedCAStore(base: PostgresCAStore(client: client, logger: logger), cache: caCache),
            certificates: certificates,
            decisions: audit,
            revocations: PostgresRevocationStore(client: client, logger: logger),
            crls: PostgresCRLStore(client: client, auditKey: auditKey, logger: logger),
            ocsp: PostgresOCSPStore(client: client, logger: logger)
        )
    }

    static func configuration(url text: String) throws -> PostgresClient.Configuration {
        guard let url = URLComponents(string: text), ["postgres", "postgresql"].contains(url.scheme ?? "") else {
            throw StoreError.invalidDatabaseURL("expected postgres://user:password@host:port/database")
        }
        guard let host = url.host, !host.isEmpty, let user = url.user, !user.isEmpty else {
            throw StoreError.invalidDatabaseURL("the URL needs a user and a host")
        }
        let database = url.path.hasPrefix("/") ? String(url.path.dropFirst()) : url.path
        let (mode, rootCertificate) = try DatabaseSSLMode.read(url)
        if mode == .verifyFull, host.contains(":") || host.unicodeScalars.allSatisfy({ $0 == "." || ("0"..."9").contains($0) }) {
            // postgres-nio names only DNS hosts to TLS: with an address the name would go unchecked.
            throw StoreError.invalidDatabaseURL("sslmode 'verify-full' needs the server's DNS name as the host, not the address '\(host)'")
        }
        let tls = try mode.tls(rootCertificate: rootCertificate)
        return PostgresClient.Configuration(
            host: host,
            port: url.port ?? 5432,
            username: user.removingPercentEncoding ?? user,
            password: url.password?.removingPercentEncoding,
            database: database.isEmpty ? nil : database,
            tls: tls
        )
    }
}

extension ByteBuffer {
    var bytes: [UInt8] { Array(readableBytesView) }
}

extension PostgresClient {
    /// A transaction with the database deadline; an error thrown by `body` comes out as
    /// itself (rolled back), not wrapped, so callers can tell a refused edit from a failed
    /// database. So does a failed BEGIN or COMMIT: a connection lost at COMMIT (a crash, a
    /// failover) must read as the database being unavailable, not as an unknown failure.
    /// Whether such a COMMIT took effect is unknown; nothing is returned to the client.
    ///
    /// Its own BEGIN and COMMIT rather than PostgresNIO's `withTransaction`: they go through
    /// `fetch`, so a connection that closed before BEGIN is swapped for another (nothing was
    /// sent), and one that closed later fails the transaction at once instead of leaving
    /// its COMMIT unanswered.
    func transaction<Result: Sendable>(logger: Logger, deadline: Duration = databaseDeadline, _ body: @escaping @Sendable (PostgresConnection) async throws -> Result) async throws -> Result {
        try await withDeadline(deadline) {
            try await self.withOpenConnection { connection in
                try await connection.fetch("BEGIN", logger: logger)
                do {
                    let value: Result
                    do {
                        value = try await body(connection)
                    } catch {
                        // A rollback that fails on a lost connection rolled back all the same.
                        _ = try? await connection.fetch("ROLLBACK", logger: logger)
                        throw error
                    }
                    try await connection.fetch("COMMIT", logger: logger)
                    return value
                } catch StoreError.connectionClosed {
                    // Part of the transaction was sent: the server rolls it back when the
                    // connection goes, and it must not be run again on another.
                    throw StoreError.unavailable("the database connection closed during a transaction")
                }
            }
        }
    }
}
