/// Why an EST request was not served, with the HTTP status RFC 7030 clients expect and the
/// rule that decided it (recorded in the audit trail).
public struct ESTRefusal: Error, Sendable, CustomStringConvertible {
    public enum Status: Int, Sendable {
        case badRequest = 400, unauthorized = 401, forbidden = 403, notFound = 404, unsupportedMediaType = 415, unavailable = 503
    }

    public let status: Status
    public let rule: String
    public let message: String
    /// Set once the client proved who it is (its credential was accepted, and the DMS's
    /// webhook allowed it where there is one). Refusals before that come from anyone and are
    /// only counted and sampled into the audit trail; refusals after it are each audited.
    public private(set) var afterAuthentication = false

    public init(_ status: Status, rule: String, _ message: String) {
        self.status = status
        self.rule = rule
        self.message = message
    }

    public var description: String { "\(rule): \(message)" }

    /// This refusal, marked as one of an authenticated client.
    func authenticated() -> ESTRefusal {
        var marked = self
        marked.afterAuthentication = true
        return marked
    }

    static func malformed(_ message: String) -> ESTRefusal { ESTRefusal(.badRequest, rule: "est.request", message) }
    static func unauthenticated(_ rule: String, _ message: String) -> ESTRefusal { ESTRefusal(.unauthorized, rule: rule, message) }
    static func forbidden(_ rule: String, _ message: String) -> ESTRefusal { ESTRefusal(.forbidden, rule: rule, message) }
}
