import Crypto
import Foundation
import SignetAuth
import Testing
import _CryptoExtras

/// Fixed clock and names shared by the tests, so results never depend on when they run.
let testNow = Date(timeIntervalSince1970: 1_767_225_600)  // 2026-01-01T00:00:00Z
let testIssuer = "https://id.example.test/realms/signet"
let testAudience = "signet-api"

/// An EC P-256 key in SEC1 ("EC PRIVATE KEY") form, made with `openssl ecparam -genkey` for
/// these tests only: swift-crypto writes PKCS#8, so this is the way to exercise the SEC1 path.
let sec1PrivateKeyPEM = """
-----BEGIN EC PRIVATE KEY-----
MHcCAQEEIIIYQyg6chLQGVb8UEdZca9gsQ4YBvvTfIZ3tylF9bnNoAoGCCqGSM49
AwEHoUQDQgAEET+Xr3woensombNl1/G6FFtJyaQJWfH99X+EmrD10QXzXZpljUdI
UfCBjGsk/CRi5IBnCkJNO87Qkb4IRrkbAg==
-----END EC PRIVATE KEY-----
"""

func base64url(_ data: Data) -> String {
    data.base64EncodedString()
        .replacingOccurrences(of: "+", with: "-")
        .replacingOccurrences(of: "/", with: "_")
        .replacingOccurrences(of: "=", with: "")
}

func base64url(json: [String: Any]) -> String {
    base64url(try! JSONSerialization.data(withJSONObject: json, options: [.sortedKeys]))
}

/// Claims that pass every check; tests change or remove one at a time.
func validClaims(_ changes: [String: Any?] = [:]) -> [String: Any] {
    var claims: [String: Any] = [
        "sub": "alice",
        "iss": testIssuer,
        "aud": testAudience,
        "iat": testNow.timeIntervalSince1970,
        "exp": testNow.timeIntervalSince1970 + 300,
        "realm_access": ["roles": ["reader"]],
    ]
    for (name, value) in changes { claims[name] = value }
    return claims
}

func jwksJSON(_ entries: [[String: Any]]) -> Data {
    try! JSONSerialization.data(withJSONObject: ["keys": entries])
}

/// The error a call threw, or nil if it succeeded. (Closures do not infer typed throws yet,
/// so the error is cast; anything but an AuthError is recorded as a test failure.)
func authError(_ body: () throws -> VerifiedToken) -> AuthError? {
    do {
        _ = try body()
        return nil
    } catch let error as AuthError {
        return error
    } catch {
        Issue.record("expected an AuthError, got \(error)")
        return nil
    }
}

func isMalformed(_ error: AuthError?) -> Bool {
    if case .malformedToken? = error { return true }
    return false
}

/// A P-256 signing key with its JWK, for hand-built ES256 tokens.
struct ECTestKey: Sendable {
    let key = P256.Signing.PrivateKey()
    let kid: String?

    var jwk: [String: Any] {
        let raw = key.publicKey.rawRepresentation
        var entry: [String: Any] = [
            "kty": "EC", "crv": "P-256",
            "x": base64url(raw.prefix(32)), "y": base64url(raw.suffix(32)),
        ]
        entry["kid"] = kid
        return entry
    }

    func verifier(roleClaimPath: [String] = ["realm_access", "roles"], leeway: TimeInterval = 30) throws(AuthError) -> JWTVerifier {
        JWTVerifier(
            keys: try JWKSet(json: jwksJSON([jwk])), issuer: testIssuer, audience: testAudience,
            roleClaimPath: roleClaimPath, leeway: leeway)
    }

    /// Signs with "alg" ES256 and this key's kid unless `header` says otherwise.
    func token(_ claims: [String: Any] = validClaims(), header: [String: Any]? = nil) -> String {
        var fields: [String: Any] = ["alg": "ES256", "typ": "JWT"]
        fields["kid"] = kid
        let input = base64url(json: header ?? fields) + "." + base64url(json: claims)
        let signature = try! key.signature(for: Data(input.utf8))
        return input + "." + base64url(signature.rawRepresentation)
    }
}

/// One RSA key for all RS256 tests: 2048-bit generation is slow enough to do only once.
let sharedRSAKey = try! _RSA.Signing.PrivateKey(keySize: .bits2048)

/// A JWK for `sharedRSAKey`, with n and e written out by hand as base64url.
func rsaJWK(kid: String) -> [String: Any] {
    let primitives = try! sharedRSAKey.publicKey.getKeyPrimitives()
    return [
        "kty": "RSA", "kid": kid, "alg": "RS256", "use": "sig",
        "n": base64url(primitives.modulus), "e": base64url(primitives.publicExponent),
    ]
}

func rsaToken(kid: String, claims: [String: Any] = validClaims(), padding: _RSA.Signing.Padding = .insecurePKCS1v1_5) -> String {
    let header: [String: Any] = ["alg": "RS256", "typ": "JWT", "kid": kid]
    let input = base64url(json: header) + "." + base64url(json: claims)
    let signature = try! sharedRSAKey.signature(for: Data(input.utf8), padding: padding)
    return input + "." + base64url(signature.rawRepresentation)
}
