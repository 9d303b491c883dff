/// Why a list request was rejected.
///
/// Every case names the exact parameter, field, operator or value at fault, because
/// the text ends up verbatim in a 400 response and the client must be able to fix its
/// request from it alone. Payloads that are plain names (`unknownField`,
/// `unknownParameter`) hold just the name; the others hold a full explanation.
public enum QueryError: Error, Sendable, Equatable, CustomStringConvertible {
    case unknownField(String)
    case unsupportedOperator(field: String, op: String, allowed: [String])
    case invalidValue(field: String, value: String, reason: String)
    case unknownParameter(String)
    case invalidPageSize(String)
    case invalidSort(String)
    case invalidBookmark(String)
    case bookmarkMismatch(String)

    public var description: String {
        switch self {
        case .unknownField(let name):
            "unknown filter field \"\(name)\""
        case .unsupportedOperator(let field, let op, let allowed):
            "operator \"\(op)\" is not supported for field \"\(field)\" (allowed: \(allowed.joined(separator: ", ")))"
        case .invalidValue(let field, let value, let reason):
            "invalid value \"\(value)\" for \"\(field)\": \(reason)"
        case .unknownParameter(let name):
            "unknown query parameter \"\(name)\" (allowed: filter, sort_by, sort_mode, page_size, bookmark)"
        case .invalidPageSize(let detail):
            "invalid page_size: \(detail)"
        case .invalidSort(let detail):
            "invalid sort: \(detail)"
        case .invalidBookmark(let detail):
            "invalid bookmark: \(detail)"
        case .bookmarkMismatch(let detail):
            "bookmark mismatch: \(detail)"
        }
    }
}
