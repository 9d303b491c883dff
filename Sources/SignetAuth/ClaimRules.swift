import Foundation
import SignetQuery

/// The checks a token's claims must pass once its signature is known to be good (RFC 7519 §4.1).
///
/// A valid signature only proves who wrote the token; these rules decide whether it is meant
/// for us and for now. Kept apart from signature checking so each can be read on its own.
struct ClaimRules: Sendable {
    let issuer: String
    let audience: String
    let roleClaimPath: [String]
    /// Allowance for clocks that disagree between the provider and this service.
    let leeway: TimeInterval

    func validate(_ claims: [String: JSONValue], now: Date) throws(AuthError) -> VerifiedToken {
        let moment = now.timeIntervalSince1970
        guard let expiry = try numericDate("exp", in: claims) else {
            throw AuthError.missingClaim("exp")
        }
        if moment > expiry + leeway {
            throw AuthError.expired(Date(timeIntervalSince1970: expiry))
        }
        if let notBefore = try numericDate("nbf", in: claims), moment + leeway < notBefore {
            throw AuthError.notYetValid(Date(timeIntervalSince1970: notBefore))
        }
        let tokenIssuer = try string("iss", in: claims)
        guard tokenIssuer == issuer else {
            throw AuthError.wrongIssuer(tokenIssuer)
        }
        try checkAudience(claims["aud"])
        let subject = try string("sub", in: claims)
        let roles = try RoleClaim.read(from: claims, path: roleClaimPath)
        var nonce: String?
        if case .string(let value)? = claims["nonce"] { nonce = value }
        return VerifiedToken(
            subject: subject, roles: roles, issuer: tokenIssuer,
            expiresAt: Date(timeIntervalSince1970: expiry), nonce: nonce)
    }

    /// "aud" may be one string or an array of them (RFC 7519 §4.1.3). A token without "aud"
    /// is refused too: it could have been issued for any service of the same provider.
    private func checkAudience(_ value: JSONValue?) throws(AuthError) {
        switch value {
        case .string(let single)?:
            guard single == audience else { throw AuthError.wrongAudience }
        case .array(let items)?:
            guard items.contains(.string(audience)) else { throw AuthError.wrongAudience }
        case nil, .null?:
            throw AuthError.wrongAudience
        default:
            throw AuthError.malformedToken("claim \"aud\" must be a string or an array of strings")
        }
    }

    /// A NumericDate claim (seconds since 1970), or nil when absent.
    private func numericDate(_ name: String, in claims: [String: JSONValue]) throws(AuthError) -> Double? {
        guard let value = claims[name] else { return nil }
        guard let seconds = value.numberValue, seconds.isFinite else {
            throw AuthError.malformedToken("claim \"\(name)\" must be a number of seconds since 1970")
        }
        return seconds
    }

    /// A required, non-empty string claim.
    private func string(_ name: String, in claims: [String: JSONValue]) throws(AuthError) -> String {
        guard let value = claims[name] else { throw AuthError.missingClaim(name) }
        guard let text = value.stringValue else {
            throw AuthError.malformedToken("claim \"\(name)\" must be a string")
        }
        guard !text.isEmpty else { throw AuthError.missingClaim(name) }
        return text
    }
}
