import Logging
import PostgresNIO

/// A statement's rows, read in full on the connection's event loop before the caller sees
/// the first.
///
/// PostgresNIO's row sequence hands rows on with backpressure: after each batch it stops
/// reading until the consumer, on another thread, asks for more. If the server closes the
/// connection inside that gap (a restart, a terminated backend, a failover), NIO reads what
/// is left without being asked and then reports the read complete; the row stream takes that
/// for a broken invariant and stops the whole process (a precondition in
/// `RowStreamStateMachine.channelReadComplete`). Reading every row on the event loop asks for
/// the next batch as soon as one arrives, so the gap never opens and a lost connection is an
/// error like any other. Every statement Signet runs returns a bounded result (a page, a
/// batch, one row), so holding it whole costs nothing the callers did not already hold.
///
/// Store code reads rows only through `fetch`; `StoreQueryDisciplineTests` keeps it so.
public struct FetchedRows: AsyncSequence, Sendable {
    public typealias Element = PostgresRow

    public let rows: [PostgresRow]

    public struct AsyncIterator: AsyncIteratorProtocol {
        var rest: IndexingIterator<[PostgresRow]>
        // Throws only to read like the row sequence it replaces at every `for try await`.
        public mutating func next() async throws -> PostgresRow? { rest.next() }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(rest: rows.makeIterator()) }
}

extension PostgresConnection {
    /// Runs `query` and returns all its rows (see `FetchedRows`).
    ///
    /// Throws `StoreError.connectionClosed`, without sending anything, when the connection
    /// has closed. PostgresNIO answers nothing to a statement written to a closed
    /// connection, so it would wait forever (the deadline answers its client, the task
    /// stays); the pool can hand out a connection in the moment between its close and the
    /// pool hearing of it. The check runs on the connection's event loop, where the channel
    /// cannot close between the check and the write.
    @discardableResult
    func fetch(_ query: PostgresQuery, logger: Logger) async throws -> FetchedRows {
        let result = try await eventLoop.flatSubmit { () -> EventLoopFuture<PostgresQueryResult> in
            guard !self.isClosed else { return self.eventLoop.makeFailedFuture(StoreError.connectionClosed) }
            // The EventLoopFuture form collects on the event loop; the async form streams.
            return self.query(query, logger: logger)
        }.get()
        return FetchedRows(rows: result.rows)
    }

    /// A prepared statement's decoded rows.
    ///
    /// Named execution has only the streaming form. It is safe when the whole result is a
    /// few short rows: PostgreSQL sends them with their CommandComplete in one flush, and the
    /// stream has ended before its consumer sees a row. A statement whose result may fill
    /// PostgreSQL's output buffer (a batch that returns a row per input) passes
    /// `small: false` and runs its text as a one-off statement, collected in full.
    func rows<Statement: PostgresPreparedStatement>(_ statement: Statement, small: Bool, logger: Logger) async throws -> [Statement.Row] {
        guard small else {
            let query = PostgresQuery(unsafeSQL: Statement.sql, binds: try statement.makeBindings())
            return try await fetch(query, logger: logger).rows.map { try statement.decodeRow($0) }
        }
        // Checked off the event loop: a close in the microseconds before the write still
        // leaves the statement to its deadline.
        guard !isClosed else { throw StoreError.connectionClosed }
        var rows: [Statement.Row] = []
        for try await row in try await execute(statement, logger: logger) { rows.append(row) }
        return rows
    }
}

extension PostgresClient {
    /// Runs `body` on a pooled connection; when it throws `StoreError.connectionClosed`, on
    /// another one. `body` may throw that only when nothing of it reached the database (its
    /// first statement found the connection closed).
    func withOpenConnection<Result: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> Result) async throws -> Result {
        for _ in 1..<Self.closedConnectionAttempts {
            do {
                return try await PoolUsage.lease(self, body)
            } catch StoreError.connectionClosed {
                continue
            }
        }
        return try await PoolUsage.lease(self, body)
    }

    /// How many pooled connections a statement tries when each turns out closed: a restart
    /// closes every idle one at once, and the pool hears of each close a moment later.
    static var closedConnectionAttempts: Int { 4 }

    /// Runs `query` on a pooled connection and returns all its rows (see `FetchedRows`).
    @discardableResult
    public func fetch(_ query: PostgresQuery, logger: Logger = Logger(label: "signet.store")) async throws -> FetchedRows {
        try await withOpenConnection { connection in try await connection.fetch(query, logger: logger) }
    }
}
