/// What kind of data a filterable field holds; decides which operators make sense,
/// how values are validated, and which SQL type values are bound and compared as.
public enum FieldType: Sendable, Hashable {
    case string
    case number
    /// A timestamp; filter values are RFC 3339 date-times.
    case date
    /// A closed set of names (e.g. certificate status); matching is case-sensitive.
    case enumeration([String])
    /// A JSON document (metadata); filters address a path inside it and compare the
    /// text found there.
    case json

    /// The operators accepted for this type, in the order they are listed in errors.
    public var allowedOperators: [FilterOperator] {
        switch self {
        case .string: [.eq, .ne, .ct, .ct_ic, .in]
        case .number: [.eq, .ne, .lt, .le, .gt, .ge, .in]
        case .date: [.bf, .af, .eq, .lt, .le, .gt, .ge]
        case .enumeration: [.eq, .ne, .in]
        case .json: [.eq, .ne, .ct, .ct_ic]
        }
    }

    /// JSON documents have no meaningful order, so they can never be sorted on.
    var canSort: Bool {
        if case .json = self { return false }
        return true
    }
}
