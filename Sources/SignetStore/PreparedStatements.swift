import Logging
import PostgresNIO

/// A statement with no result rows, executed as a named prepared statement: PostgreSQL
/// parses and plans it once per connection, not on every execution.
protocol PreparedWrite: PostgresPreparedStatement where Row == Void {}

extension PreparedWrite {
    func decodeRow(_ row: PostgresRow) throws {}
}

/// A prepared statement whose one parameter is a list of ids (`$1::text[]`).
protocol IDListStatement: PostgresPreparedStatement {
    var ids: [String] { get }
}

extension IDListStatement {
    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 1)
        bindings.append(ids)
        return bindings
    }
}

/// `INSERT … SELECT … FROM unnest($1::type[], …)`: one array parameter per column, so the
/// statement text is the same however many rows it carries, and one prepared statement
/// serves a single row and a group-commit batch alike.
enum ArrayInsert {
    /// - Parameter computed: SQL for a column computed from its array element (named by the
    ///   column) instead of taking it as is.
    /// - Parameter firstParameter: the number of the first array's parameter (statements
    ///   that hold several inserts number them on).
    static func sql(into table: String, columns: [(name: String, type: String)], computed: [String: String] = [:], firstParameter: Int = 1) -> String {
        let names = columns.map(\.name).joined(separator: ", ")
        let selected = columns.map { computed[$0.name] ?? $0.name }.joined(separator: ", ")
        let arrays = columns.enumerated().map { "$\($0.offset + firstParameter)::\($0.element.type)[]" }.joined(separator: ", ")
        return "INSERT INTO \(table) (\(names)) SELECT \(selected) FROM unnest(\(arrays)) AS r(\(names))"
    }
}

extension PostgresClient {
    /// Executes a prepared statement with the database deadline and returns all its rows; its
    /// result must be small (see `PostgresConnection.rows(_:small:logger:)`).
    @discardableResult
    func timedExecute<Statement: PostgresPreparedStatement>(_ statement: Statement, logger: Logger) async throws -> [Statement.Row] where Statement.Row: Sendable {
        try await withDeadline(databaseDeadline) {
            try await self.withOpenConnection { connection in try await connection.rows(statement, small: true, logger: logger) }
        }
    }
}
