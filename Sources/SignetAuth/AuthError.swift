import Foundation

/// Everything that can go wrong while reading keys, verifying a token or issuing one.
///
/// Each case carries just enough detail for its `description` to tell a person what was wrong
/// in plain words, because these messages end up in logs and in answers to developers who are
/// wiring up an identity provider and need to know which part of their setup is off.
public enum AuthError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The token's structure, base64url encoding or JSON is broken; the text says where.
    case malformedToken(String)
    /// The header names an algorithm this module refuses; the text is that algorithm.
    case unsupportedAlgorithm(String)
    /// No key in the set may check this token; the text names the kid or the missing key type.
    case unknownKey(String)
    /// The signature does not match the token's contents under any candidate key.
    case badSignature
    /// The token's "exp" has passed (beyond the leeway); the date is that "exp".
    case expired(Date)
    /// The token's "nbf" is still in the future (beyond the leeway); the date is that "nbf".
    case notYetValid(Date)
    /// The token was issued by someone else; the text is the token's own "iss".
    case wrongIssuer(String)
    /// The token's "aud" is absent or does not name the expected audience.
    case wrongAudience
    /// A claim that must be present is absent or empty; the text is its name.
    case missingClaim(String)
    /// The JWKS document could not be used; the text says why.
    case invalidKeySet(String)
    /// The private key PEM could not be used for signing; the text says why.
    case invalidPrivateKey(String)

    public var description: String {
        switch self {
        case .malformedToken(let detail):
            return "token is malformed: \(detail)"
        case .unsupportedAlgorithm(let alg):
            return "token uses algorithm \"\(alg)\", but only ES256 and RS256 are accepted"
        case .unknownKey(let detail):
            return "no key in the key set can check this token: \(detail)"
        case .badSignature:
            return "token signature does not match its contents (it was altered or signed with a different key)"
        case .expired(let date):
            return "token expired at \(Self.iso8601(date))"
        case .notYetValid(let date):
            return "token is not valid before \(Self.iso8601(date))"
        case .wrongIssuer(let issuer):
            return "token was issued by \"\(issuer)\", which is not the expected issuer"
        case .wrongAudience:
            return "token is not meant for this service: its \"aud\" claim does not name the expected audience"
        case .missingClaim(let name):
            return "token has no \"\(name)\" claim (or it is empty), but it is required"
        case .invalidKeySet(let detail):
            return "key set (JWKS) is unusable: \(detail)"
        case .invalidPrivateKey(let detail):
            return "private key is unusable: \(detail)"
        }
    }

    /// Dates are printed in UTC ISO 8601 so that log readers in any time zone agree on them.
    private static func iso8601(_ date: Date) -> String {
        Date.ISO8601FormatStyle().format(date)
    }
}
