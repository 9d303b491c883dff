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
    /// A value computed from other columns (a device's status). Each name stands for a
    /// trusted SQL predicate, so a filter becomes indexed comparisons instead of evaluating
    /// the computation on every row; the field's column is that computation, for sorting.
    case derived(DerivedEnumeration)
    /// A text array (tags): `eq` has the tag, `ne` lacks it, `in` has any of them.
    case tags

    /// The operators accepted for this type, in the order they are listed in errors.
    public var allowedOperators: [FilterOperator] {
        switch self {
        case .string: [.eq, .ne, .ct, .ct_ic, .in]
        case .number: [.eq, .ne, .lt, .le, .gt, .ge, .in]
        case .date: [.bf, .af, .eq, .lt, .le, .gt, .ge]
        case .enumeration: [.eq, .ne, .in]
        case .json: [.eq, .ne, .ct, .ct_ic]
        case .derived, .tags: [.eq, .ne, .in]
        }
    }

    /// JSON documents have no meaningful order, so they can never be sorted on.
    var canSort: Bool {
        switch self {
        case .json, .tags: false
        default: true
        }
    }
}

/// The names a derived field takes, each with the SQL predicate that selects its rows.
/// The predicates must be mutually exclusive and cover every row.
public struct DerivedEnumeration: Sendable, Hashable {
    public let names: [String]
    let predicates: [String: String]

    /// `cases` in display order: (name, trusted SQL predicate).
    public init(_ cases: [(name: String, predicate: String)]) {
        names = cases.map(\.name)
        predicates = Dictionary(uniqueKeysWithValues: cases.map { ($0.name, $0.predicate) })
    }

    /// The trusted SQL that selects rows with this value (FALSE for a name it does not have).
    public func predicate(_ name: String) -> String { predicates[name] ?? "FALSE" }

    /// The value itself, from the same predicates: what a row shows is what filters on it.
    public var caseExpression: String {
        "(CASE " + names.map { "WHEN \(predicate($0)) THEN '\($0)'" }.joined(separator: " ") + " END)"
    }
}
