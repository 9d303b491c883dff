import PostgresNIO

/// One INSERT statement for many rows, the statement `GroupCommit` flushes.
struct MultiRowInsert: Sendable {
    let table: String
    let columns: [String]
    /// SQL for a column's placeholder when it is not a plain `$n` (e.g. a conversion).
    var placeholder: [String: @Sendable (String) -> String] = [:]

    /// The `(…), (…)` rows with their binds, for statements that insert from a join; `bind`
    /// appends exactly one value per column, in column order, for each row.
    func valuesList<Row>(_ rows: [Row], bind: (Row, inout PostgresBindings) -> Void) -> (sql: String, binds: PostgresBindings) {
        var binds = PostgresBindings(capacity: rows.count * columns.count)
        var values: [String] = []
        for row in rows {
            let first = binds.count + 1
            let slots = columns.enumerated().map { index, column in
                let plain = "$\(first + index)"
                return placeholder[column].map { $0(plain) } ?? plain
            }
            values.append("(" + slots.joined(separator: ", ") + ")")
            bind(row, &binds)
        }
        return (values.joined(separator: ", "), binds)
    }
}
