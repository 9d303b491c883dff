import Foundation
import SignetAuth
import Testing
import _CryptoExtras

@Suite("RS256")
struct RS256Tests {
    func verifier() throws(AuthError) -> JWTVerifier {
        JWTVerifier(keys: try JWKSet(json: jwksJSON([rsaJWK(kid: "rsa-1")])), issuer: testIssuer, audience: testAudience)
    }

    @Test("a PKCS#1 v1.5 SHA-256 token verifies against a hand-made RSA JWK")
    func validToken() throws {
        let verified = try verifier().verify(rsaToken(kid: "rsa-1"), now: testNow)
        #expect(verified.subject == "alice")
        #expect(verified.roles == ["reader"])
    }

    @Test("a PSS signature is not accepted as RS256")
    func pssIsNotRS256() throws {
        let token = rsaToken(kid: "rsa-1", padding: .PSS)
        #expect(authError { try verifier().verify(token, now: testNow) } == .badSignature)
    }

    @Test("an RS256 token against a set of only EC keys names the missing key type")
    func noRSAKey() throws {
        let ecOnly = ECTestKey(kid: nil)
        let header = base64url(json: ["alg": "RS256"])
        let parts = rsaToken(kid: "unused").split(separator: ".")
        let token = "\(header).\(parts[1]).\(parts[2])"
        #expect(authError { try ecOnly.verifier().verify(token, now: testNow) } == .unknownKey("no key of type RSA for RS256"))
    }
}
