import SignetToken

/// Why the gate did not produce a certificate.
public enum GateError: Error, Sendable, CustomStringConvertible {
    /// The request was refused; `rule` is the rule it broke. Recorded as a decision.
    case refused(Refusal)
    /// The token's signature did not verify against the CA's public key; nothing was released.
    case signatureNotVerified(caID: String)
    /// The token failed (typed PKCS#11 error); `isTokenLoss` tells an outage from a bad key.
    case token(TokenError)

    public var description: String {
        switch self {
        case .refused(let refusal): "refused by rule '\(refusal.rule)': \(refusal.detail)"
        case .signatureNotVerified(let caID): "the token's signature for CA '\(caID)' did not verify against the CA certificate; nothing was issued"
        case .token(let error): error.description
        }
    }
}

/// A request the gate refused, with the rule it broke and everything it checked on the way.
public struct Refusal: Error, Sendable {
    /// What kind of mistake it was, so that front ends can choose a status code.
    public enum Kind: Sendable { case malformed, notFound, conflict, policy, forbidden }

    public let kind: Kind
    public let rule: String
    public let detail: String
    public let outcomes: [RuleOutcome]
}
