/// The comparison in `field[op]value`.
///
/// Raw values are the exact spellings clients put between the brackets, so parsing is
/// just `FilterOperator(rawValue:)` and error messages can echo them back unchanged.
public enum FilterOperator: String, Sendable, CaseIterable, Codable {
    /// Equal.
    case eq
    /// Not equal; rows where the field is null or absent count as "not equal".
    case ne
    /// Contains, case-sensitive (substring match, wildcards in the value are literal).
    case ct
    /// Contains, case-insensitive.
    case ct_ic
    /// One of a comma-separated list.
    case `in`
    /// Before (dates); same as `lt`, named the way clients think about time.
    case bf
    /// After (dates); same as `gt`.
    case af
    case lt
    case le
    case gt
    case ge
}
