import Crypto
import Foundation
import SignetAuth
import Testing

@Suite("ES256 issue and verify")
struct ES256Tests {
    @Test("a token from JWTIssuer verifies and carries its roles")
    func roundTrip() throws {
        let (issuer, _) = JWTIssuer.generate(keyID: "dev-1")
        let verifier = JWTVerifier(keys: try JWKSet(json: issuer.jwks), issuer: testIssuer, audience: testAudience)
        let token = issuer.issue(
            subject: "alice", roles: ["admin", "viewer"], issuer: testIssuer, audience: testAudience,
            lifetime: 600, now: testNow)

        let verified = try verifier.verify(token, now: testNow.addingTimeInterval(60))
        #expect(verified.subject == "alice")
        #expect(verified.roles == ["admin", "viewer"])
        #expect(verified.issuer == testIssuer)
        #expect(verified.expiresAt == testNow.addingTimeInterval(600))
    }

    @Test("the JWKS names the key and algorithm")
    func jwksDescribesKey() throws {
        let (issuer, _) = JWTIssuer.generate(keyID: "dev-1")
        #expect(try JWKSet(json: issuer.jwks).keyIDs == ["dev-1"])
        let document = try #require(JSONSerialization.jsonObject(with: issuer.jwks) as? [String: Any])
        let entry = try #require((document["keys"] as? [[String: Any]])?.first)
        #expect(entry["kty"] as? String == "EC")
        #expect(entry["crv"] as? String == "P-256")
        #expect(entry["alg"] as? String == "ES256")
        #expect(entry["use"] as? String == "sig")
    }

    @Test("the generated PEM loads back into an issuer with the same key")
    func generatedPEMReloads() throws {
        let (original, pem) = JWTIssuer.generate(keyID: "dev-1")
        let reloaded = try JWTIssuer(privateKeyPEM: pem, keyID: "dev-1")
        let verifier = JWTVerifier(keys: try JWKSet(json: original.jwks), issuer: testIssuer, audience: testAudience)
        let token = reloaded.issue(
            subject: "bob", roles: [], issuer: testIssuer, audience: testAudience, lifetime: 60, now: testNow)
        #expect(try verifier.verify(token, now: testNow).subject == "bob")
    }

    @Test("a SEC1 'EC PRIVATE KEY' PEM is accepted")
    func sec1PEM() throws {
        let issuer = try JWTIssuer(privateKeyPEM: sec1PrivateKeyPEM, keyID: "sec1")
        let verifier = JWTVerifier(keys: try JWKSet(json: issuer.jwks), issuer: testIssuer, audience: testAudience)
        let token = issuer.issue(
            subject: "carol", roles: ["x"], issuer: testIssuer, audience: testAudience, lifetime: 60, now: testNow)
        #expect(try verifier.verify(token, now: testNow).roles == ["x"])
    }

    @Test("a public key or non-PEM text is refused as a private key", arguments: [
        P256.Signing.PrivateKey().publicKey.pemRepresentation,
        "not a key at all",
    ])
    func badPrivateKey(pem: String) {
        #expect {
            _ = try JWTIssuer(privateKeyPEM: pem, keyID: "k")
        } throws: { error in
            if case .invalidPrivateKey? = error as? AuthError { return true }
            return false
        }
    }

    @Test("a changed payload no longer matches the signature")
    func tamperedPayload() throws {
        let key = ECTestKey(kid: "k1")
        let parts = key.token().split(separator: ".")
        let forgedClaims = base64url(json: validClaims(["sub": "mallory"]))
        let forged = "\(parts[0]).\(forgedClaims).\(parts[2])"
        #expect(authError { try key.verifier().verify(forged, now: testNow) } == .badSignature)
    }

    @Test("a token signed by another key with the same kid is refused")
    func signedByAnotherKey() throws {
        let trusted = ECTestKey(kid: "k1")
        let attacker = ECTestKey(kid: "k1")
        #expect(authError { try trusted.verifier().verify(attacker.token(), now: testNow) } == .badSignature)
    }

    @Test("a DER-encoded ES256 signature is refused even though it is a valid signature")
    func derSignatureRejected() throws {
        let key = ECTestKey(kid: "k1")
        let parts = key.token().split(separator: ".")
        let input = "\(parts[0]).\(parts[1])"
        let der = try key.key.signature(for: Data(input.utf8)).derRepresentation
        let token = "\(input).\(base64url(der))"
        #expect(isMalformed(authError { try key.verifier().verify(token, now: testNow) }))
    }
}
