import Foundation
import SignetQuery

/// Checks bearer tokens from an identity provider and says who they are for.
///
/// Configured once with the provider's keys and the expected issuer and audience, then shared
/// freely across tasks: it holds no mutable state.
public struct JWTVerifier: Sendable {
    private let keys: JWKSet
    private let rules: ClaimRules

    /// roleClaimPath: where roles live; default ["realm_access", "roles"] (Keycloak). The value
    /// at the path must be an array of strings; a single string is also accepted.
    /// leeway: seconds of clock difference tolerated on "exp" and "nbf".
    public init(
        keys: JWKSet, issuer: String, audience: String,
        roleClaimPath: [String] = ["realm_access", "roles"], leeway: TimeInterval = 30
    ) {
        precondition(leeway >= 0, "leeway must not be negative")
        self.keys = keys
        self.rules = ClaimRules(
            issuer: issuer, audience: audience, roleClaimPath: roleClaimPath, leeway: leeway)
    }

    /// Verifies a compact JWS and returns what it says.
    ///
    /// The header's "alg" must be ES256 or RS256. If the header has a "kid", only the key with
    /// that kid is used; otherwise every key of the matching type is tried. ES256 signatures must
    /// be 64-byte raw r||s; RS256 is RSASSA-PKCS1-v1_5 with SHA-256. Claims are read only after
    /// the signature is good: "exp" is required, "nbf" is optional, "iss" must equal the issuer,
    /// "aud" must contain the audience and "sub" must be a non-empty string.
    public func verify(_ token: String, now: Date = Date()) throws(AuthError) -> VerifiedToken {
        let jws = try CompactJWS(token)
        let algorithm = try jws.algorithm()
        try jws.checkNoCriticalExtensions()
        let candidates = try keys.candidates(for: algorithm, keyID: try jws.keyID())

        // JWS fixes ES256 signatures at 64 bytes; a DER-encoded one (about 70 bytes) is a
        // common mistake by hand-written signers, so say so rather than "bad signature".
        if algorithm == .es256, jws.signature.count != 64 {
            throw AuthError.malformedToken(
                "ES256 signature is \(jws.signature.count) bytes, but must be the 64-byte r||s form (not DER)")
        }
        guard candidates.contains(where: { $0.isValidSignature(jws.signature, over: jws.signingInput) }) else {
            throw AuthError.badSignature
        }

        guard let claims = JSONValue.parseObject(jws.payload) else {
            throw AuthError.malformedToken("payload is not a JSON object")
        }
        return try rules.validate(claims, now: now)
    }
}
