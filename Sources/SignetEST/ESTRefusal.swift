/// Why an EST request was not served, with the HTTP status and the rule that decided it
/// (recorded in the audit trail).
///
/// Only statuses deployed EST clients tell apart (libest knows 202 with Retry-After, 400,
/// 401, 404, 423, 500, 502 and 504; anything else is its "unknown error"), chosen so that a
/// device can tell "wait and retry" from "never": see docs/est-status-codes.md.
public struct ESTRefusal: Error, Sendable, CustomStringConvertible {
    public enum Status: Int, Sendable {
        /// Not yet: retry after `retryAfter` seconds (RFC 7030 §4.2.3).
        case retryLater = 202
        /// Never, as asked: a request the client must change, or a policy that refuses it.
        case badRequest = 400
        /// No credential, or one that does not authenticate this device.
        case unauthorized = 401
        /// No such DMS (or no default one), or no such device where it must be registered.
        case notFound = 404
        /// The device is disabled or decommissioned: only an operator can change that.
        case locked = 423
        /// Something Signet depends on (token, database, webhook) failed; retry later.
        case badGateway = 502
        /// Something Signet depends on did not answer in time; retry later.
        case gatewayTimeout = 504
    }

    public let status: Status
    public let rule: String
    public let message: String
    /// Seconds the client should wait before retrying (sent as Retry-After).
    public let retryAfter: Int?
    /// Set once the client proved who it is (its credential was accepted, and the DMS's
    /// webhook allowed it where there is one). Refusals before that come from anyone and are
    /// only counted and sampled into the audit trail; refusals after it are each audited.
    public private(set) var afterAuthentication = false

    public init(_ status: Status, rule: String, _ message: String, retryAfter: Int? = nil) {
        self.status = status
        self.rule = rule
        self.message = message
        self.retryAfter = retryAfter ?? ([.retryLater, .badGateway, .gatewayTimeout].contains(status) ? Self.outageRetry : nil)
    }

    /// What a client waits after an outage before trying again.
    public static let outageRetry = 5

    public var description: String { "\(rule): \(message)" }

    /// This refusal, marked as one of an authenticated client.
    func authenticated() -> ESTRefusal {
        var marked = self
        marked.afterAuthentication = true
        return marked
    }

    static func malformed(_ message: String) -> ESTRefusal { ESTRefusal(.badRequest, rule: "est.request", message) }
    static func unauthenticated(_ rule: String, _ message: String) -> ESTRefusal { ESTRefusal(.unauthorized, rule: rule, message) }
    /// A policy refusal that retrying cannot change.
    static func refused(_ rule: String, _ message: String) -> ESTRefusal { ESTRefusal(.badRequest, rule: rule, message) }
    static func locked(_ rule: String, _ message: String) -> ESTRefusal { ESTRefusal(.locked, rule: rule, message) }
    static func notFound(_ rule: String, _ message: String) -> ESTRefusal { ESTRefusal(.notFound, rule: rule, message) }
}
