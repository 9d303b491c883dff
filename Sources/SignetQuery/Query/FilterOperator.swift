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

extension FilterOperator {
    /// Spellings other clients' documentation uses for the same comparisons.
    static let aliases: [String: FilterOperator] = ["contains": .ct, "contains_ic": .ct_ic]

    /// The operator spelled `text`, by its own name or an alias.
    public init?(spelling text: String) {
        guard let op = FilterOperator(rawValue: text) ?? Self.aliases[text] else { return nil }
        self = op
    }
}
