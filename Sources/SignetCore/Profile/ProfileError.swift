/// Why a profile document was rejected. Each case names the field at fault.
public enum ProfileError: Error, Sendable, Equatable, CustomStringConvertible {
    case malformedJSON(String)
    case unknownField(String)
    case invalid(field: String, reason: String)

    public var description: String {
        switch self {
        case .malformedJSON(let why): "profile is not valid JSON: \(why)"
        case .unknownField(let path): "profile has an unknown field '\(path)'"
        case .invalid(let field, let reason): "profile field '\(field)' is invalid: \(reason)"
        }
    }
}
