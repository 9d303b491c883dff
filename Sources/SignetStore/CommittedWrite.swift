import Logging
import PostgresNIO

/// Writes whose success means committed.
///
/// A statement outside a transaction commits at the Sync after its Execute, and PostgreSQL
/// puts the statement's CommandComplete in its output buffer before that commit runs. The
/// buffer normally leaves with ReadyForQuery, after the commit; but anything that flushes it
/// sooner sends the CommandComplete ahead of a commit that may never finish. A backend killed
/// by a crash or an immediate shutdown flushes its farewell warning that way while it waits
/// for the WAL flush or for a synchronous standby; so does a warning raised at commit. The
/// client then holds a success for a row that the promoted standby, or the restarted
/// database, does not have. PostgresNIO reports success at CommandComplete.
///
/// An explicit COMMIT has no such gap: its CommandComplete is written only once the commit
/// is durable (and on the synchronous standby). Every write that a client is told about, or
/// that an irreversible step (a signature, a passcode shown once) follows, goes this way.
extension PostgresClient {
    /// A prepared write, committed by an explicit COMMIT before it returns; its result must be
    /// small (see `PostgresConnection.rows(_:small:logger:)`).
    @discardableResult
    func committedExecute<Statement: PostgresPreparedStatement>(_ statement: Statement, logger: Logger) async throws -> [Statement.Row] where Statement.Row: Sendable {
        try await transaction(logger: logger) { connection in try await connection.rows(statement, small: true, logger: logger) }
    }

    /// A write, committed by an explicit COMMIT before it returns; its rows (RETURNING), read
    /// inside the transaction.
    @discardableResult
    func committedQuery(_ query: PostgresQuery, logger: Logger) async throws -> [PostgresRow] {
        try await transaction(logger: logger) { connection in
            try await connection.fetch(query, logger: logger).rows
        }
    }
}
