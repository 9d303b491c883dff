import Crypto
import Foundation
import SignetQuery

/// Issues ES256 tokens with a local key, for development (`signet auth issue-jwt`).
///
/// This lets a developer run the service without an identity provider: publish `jwks` where
/// the verifier reads its keys, then hand out tokens from `issue`. It is not meant to replace
/// a provider in production, which is why it offers no revocation or key rotation.
public struct JWTIssuer: Sendable {
    private let privateKey: P256.Signing.PrivateKey
    private let keyID: String

    /// Loads an EC P-256 private key from PEM, in PKCS#8 ("PRIVATE KEY") or SEC1
    /// ("EC PRIVATE KEY") form. `keyID` becomes the "kid" of issued tokens and of `jwks`.
    public init(privateKeyPEM: String, keyID: String) throws(AuthError) {
        self.privateKey = try PrivateKeyPEM.parse(privateKeyPEM)
        self.keyID = keyID
    }

    private init(privateKey: P256.Signing.PrivateKey, keyID: String) {
        self.privateKey = privateKey
        self.keyID = keyID
    }

    /// Makes a fresh key; the PEM (PKCS#8) is returned so the caller can store it and reuse it.
    public static func generate(keyID: String) -> (issuer: JWTIssuer, privateKeyPEM: String) {
        let key = P256.Signing.PrivateKey()
        return (JWTIssuer(privateKey: key, keyID: keyID), key.pemRepresentation)
    }

    /// A JWKS document holding this key's public half, for `JWKSet(json:)` or a JWKS endpoint.
    public var jwks: Data {
        // rawRepresentation of a P-256 public key is x || y, 32 bytes each.
        let raw = privateKey.publicKey.rawRepresentation
        let entry: [String: JSONValue] = [
            "kty": .string("EC"),
            "crv": .string("P-256"),
            "x": .string(Base64URL.encode(raw.prefix(32))),
            "y": .string(Base64URL.encode(raw.suffix(32))),
            "kid": .string(keyID),
            "alg": .string(JWSAlgorithm.es256.rawValue),
            "use": .string("sig"),
        ]
        return JSONValue.object(["keys": .array([.object(entry)])]).encoded()
    }

    /// Issues a token for `subject`, valid from `now` for `lifetime` seconds.
    /// roles are written at roleClaimPath (default ["realm_access","roles"]) as an array of
    /// strings; the path must not start with a registered claim name such as "sub" or "exp".
    public func issue(
        subject: String, roles: [String], issuer: String, audience: String, lifetime: TimeInterval,
        roleClaimPath: [String] = ["realm_access", "roles"], nonce: String? = nil, now: Date = Date()
    ) -> String {
        let registered = ["iss", "sub", "aud", "exp", "nbf", "iat"]
        precondition(
            roleClaimPath.first.map { !registered.contains($0) } ?? true,
            "roleClaimPath must not overwrite the registered claim \"\(roleClaimPath.first ?? "")\"")
        // NumericDate is whole seconds here, as most consumers expect.
        let issuedAt = now.timeIntervalSince1970.rounded(.down)
        var claims: [String: JSONValue] = [:]
        RoleClaim.write(roles, into: &claims, path: roleClaimPath)
        claims["sub"] = .string(subject)
        claims["iss"] = .string(issuer)
        claims["aud"] = .string(audience)
        claims["iat"] = .number(issuedAt)
        claims["nbf"] = .number(issuedAt)
        claims["exp"] = .number((issuedAt + lifetime).rounded(.down))
        if let nonce { claims["nonce"] = .string(nonce) }

        let header: [String: JSONValue] = [
            "alg": .string(JWSAlgorithm.es256.rawValue),
            "typ": .string("JWT"),
            "kid": .string(keyID),
        ]
        let signingInput = Base64URL.encode(JSONValue.object(header).encoded()) + "."
            + Base64URL.encode(JSONValue.object(claims).encoded())
        let signature: P256.Signing.ECDSASignature
        do {
            signature = try privateKey.signature(for: Data(signingInput.utf8))
        } catch {
            // Signing with a key that loaded fine fails only if the crypto library itself breaks.
            preconditionFailure("ES256 signing failed: \(error)")
        }
        return signingInput + "." + Base64URL.encode(signature.rawRepresentation)
    }
}
