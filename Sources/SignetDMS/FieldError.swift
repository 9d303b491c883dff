/// A DMS setting or registry input that is missing, malformed or inconsistent, named by its dotted path
/// (`settings.enrollment_settings.enrollment_ca`).
public struct FieldError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        /// Not valid JSON of the expected shape (400).
        case malformed
        /// Well formed, but refers to something that does not exist or breaks a rule (422).
        case invalid
    }

    public let field: String
    public let message: String
    public let kind: Kind

    public init(_ field: String, _ message: String, kind: Kind = .malformed) {
        self.field = field
        self.message = message
        self.kind = kind
    }

    public var description: String { "\(field): \(message)" }
}
