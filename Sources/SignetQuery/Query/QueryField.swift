/// One field a list endpoint lets clients filter or sort on.
///
/// The public `name` is what clients write; `column` is the SQL behind it. Keeping the
/// two apart means the API's vocabulary never leaks table aliases, and only names the
/// server declared can ever reach the SQL text.
public struct QueryField: Sendable {
    public let name: String
    /// A trusted SQL expression written by the server author, e.g. `c.serial_number`.
    /// It is spliced into SQL as-is, so it must never come from a request.
    public let column: String
    public let type: FieldType
    /// Whether `sort_by` may name this field. Ignored (always false) for `.json`.
    public let sortable: Bool
    /// Whether the column can be NULL. A sort on a NOT NULL column orders by the column
    /// itself, so an index on it serves ORDER BY and the keyset comparison.
    public let nullable: Bool

    public init(name: String, column: String, type: FieldType, sortable: Bool = true, nullable: Bool = true) {
        self.name = name
        self.column = column
        self.type = type
        self.sortable = sortable && type.canSort
        self.nullable = nullable
    }
}
