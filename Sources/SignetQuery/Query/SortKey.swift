/// How a sortable field appears in ORDER BY and in the keyset comparison.
///
/// NULL rule: a NULL sort value is treated as the smallest value of its type
/// (empty text, -Infinity, -infinity), via COALESCE. NULL rows therefore come first
/// ascending and last descending, and the row comparison `(key, id) > (...)` never
/// meets a NULL, which would otherwise make it silently drop rows.
struct SortKey {
    /// The expression to order by, NULLs already replaced.
    let expression: String
    /// The SQL type the previous page's sort value (bound as text) is cast to, so the
    /// comparison happens on real values and not on their text.
    let sqlType: String
    /// The literal that stands in for NULL; also used when the keyset value is nil.
    let nullSentinel: String

    init(_ field: QueryField) {
        // A NOT NULL column sorts as itself, so that an index on it serves the sort.
        func orNull(_ sentinel: String) -> String {
            field.nullable ? "COALESCE(\(field.column), \(sentinel))" : field.column
        }
        switch field.type {
        case .number:
            sqlType = "double precision"
            nullSentinel = "'-Infinity'::double precision"
            expression = orNull(nullSentinel)
        case .date:
            sqlType = "timestamptz"
            nullSentinel = "'-infinity'::timestamptz"
            expression = orNull(nullSentinel)
        case .string:
            sqlType = "text"
            nullSentinel = "''"
            expression = orNull(nullSentinel)
        case .enumeration, .json, .derived, .tags:
            // Enum types sort in declaration order, text alphabetically; casting keeps
            // ORDER BY and the text-typed keyset comparison in agreement.
            sqlType = "text"
            nullSentinel = "''"
            expression = "COALESCE((\(field.column))::text, \(nullSentinel))"
        }
    }
}
