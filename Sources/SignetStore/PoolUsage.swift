import PostgresNIO
import Synchronization

/// How this process uses its connection pool: statements waiting for a connection and
/// connections leased, for `signet_db_pool_connections`. PostgresNIO keeps its own counts
/// private, so every lease goes through ``lease(_:_:)``; the counts are two atomics, read
/// when metrics are scraped, and cost the statement nothing more.
public enum PoolUsage {
    static let waitingCount = Atomic<Int>(0)
    static let inUseCount = Atomic<Int>(0)

    /// Statements waiting for a connection now.
    public static var waiting: Int { waitingCount.load(ordering: .relaxed) }
    /// Connections leased to a statement or transaction now.
    public static var inUse: Int { inUseCount.load(ordering: .relaxed) }

    private final class Lease: Sendable {
        let started = Atomic<Bool>(false)
        /// Ends the wait once, whether the lease began or the wait failed.
        func endWait() {
            if !started.exchange(true, ordering: .relaxed) { waitingCount.subtract(1, ordering: .relaxed) }
        }
    }

    static func lease<Result: Sendable>(_ client: PostgresClient, _ body: @escaping @Sendable (PostgresConnection) async throws -> Result) async throws -> Result {
        waitingCount.add(1, ordering: .relaxed)
        let lease = Lease()
        defer { lease.endWait() }
        return try await client.withConnection { connection in
            lease.endWait()
            inUseCount.add(1, ordering: .relaxed)
            defer { inUseCount.subtract(1, ordering: .relaxed) }
            return try await body(connection)
        }
    }
}
