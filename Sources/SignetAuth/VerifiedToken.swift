import Foundation

/// What a verified token says: the few facts an application needs to authorize a request.
///
/// Only values that passed every check end up here, so code holding a `VerifiedToken` never
/// has to re-check signatures or times.
public struct VerifiedToken: Sendable, Hashable {
    /// The "sub" claim: who the token is about.
    public let subject: String
    /// Roles from the configured role claim path; empty when the token has none.
    public let roles: Set<String>
    /// The "iss" claim, equal to the issuer the verifier was configured with.
    public let issuer: String
    /// The "exp" claim.
    public let expiresAt: Date
    /// The "nonce" claim of an OpenID Connect ID token, when there is one.
    public let nonce: String?

    init(subject: String, roles: Set<String>, issuer: String, expiresAt: Date, nonce: String? = nil) {
        self.subject = subject
        self.roles = roles
        self.issuer = issuer
        self.expiresAt = expiresAt
        self.nonce = nonce
    }
}
