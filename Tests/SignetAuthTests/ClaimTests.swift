import Foundation
import SignetAuth
import Testing

@Suite("Claims")
struct ClaimTests {
    let key = ECTestKey(kid: "k1")
    let now = testNow.timeIntervalSince1970

    func verify(_ claims: [String: Any], leeway: TimeInterval = 30) -> AuthError? {
        authError { try key.verifier(leeway: leeway).verify(key.token(claims), now: testNow) }
    }

    @Test("a token expired beyond the leeway is refused with its expiry time")
    func expired() {
        #expect(verify(validClaims(["exp": now - 31])) == .expired(testNow.addingTimeInterval(-31)))
    }

    @Test("a token expired within the leeway is still accepted")
    func expiredWithinLeeway() {
        #expect(verify(validClaims(["exp": now - 29])) == nil)
        #expect(verify(validClaims(["exp": now - 29]), leeway: 0) == .expired(testNow.addingTimeInterval(-29)))
    }

    @Test("a token whose nbf is in the future is not yet valid")
    func notBeforeInFuture() {
        #expect(verify(validClaims(["nbf": now + 120])) == .notYetValid(testNow.addingTimeInterval(120)))
        #expect(verify(validClaims(["nbf": now + 20])) == nil)
    }

    @Test("a token from another issuer is refused, naming that issuer")
    func wrongIssuer() {
        #expect(verify(validClaims(["iss": "https://evil.example"])) == .wrongIssuer("https://evil.example"))
        #expect(verify(validClaims(["iss": nil])) == .missingClaim("iss"))
    }

    @Test("aud may be a string or an array that contains the audience")
    func audienceAccepted() {
        #expect(verify(validClaims(["aud": testAudience])) == nil)
        #expect(verify(validClaims(["aud": ["account", testAudience]])) == nil)
    }

    @Test("a token for another audience, or none, is refused")
    func audienceRefused() {
        #expect(verify(validClaims(["aud": "account"])) == .wrongAudience)
        #expect(verify(validClaims(["aud": ["account", "other"]])) == .wrongAudience)
        #expect(verify(validClaims(["aud": nil])) == .wrongAudience)
    }

    @Test("exp and sub are required")
    func requiredClaims() {
        #expect(verify(validClaims(["exp": nil])) == .missingClaim("exp"))
        #expect(verify(validClaims(["sub": nil])) == .missingClaim("sub"))
        #expect(verify(validClaims(["sub": ""])) == .missingClaim("sub"))
    }

    @Test("a non-numeric exp is malformed")
    func nonNumericExp() {
        #expect(isMalformed(verify(validClaims(["exp": "tomorrow"]))))
        #expect(isMalformed(verify(validClaims(["exp": true]))))
    }

    @Test("missing roles give an empty set; a single string is one role")
    func roleShapes() throws {
        let verifier = try key.verifier()
        let none = try verifier.verify(key.token(validClaims(["realm_access": nil])), now: testNow)
        #expect(none.roles.isEmpty)
        let single = try verifier.verify(key.token(validClaims(["realm_access": ["roles": "admin"]])), now: testNow)
        #expect(single.roles == ["admin"])
        #expect(isMalformed(verify(validClaims(["realm_access": ["roles": [1, 2]]]))))
    }

    @Test("roles can be read from and written to a custom path")
    func customRolePath() throws {
        let (issuer, _) = JWTIssuer.generate(keyID: "dev")
        let keys = try JWKSet(json: issuer.jwks)
        let token = issuer.issue(
            subject: "dana", roles: ["ops"], issuer: testIssuer, audience: testAudience,
            lifetime: 60, roleClaimPath: ["roles"], now: testNow)

        let custom = JWTVerifier(keys: keys, issuer: testIssuer, audience: testAudience, roleClaimPath: ["roles"])
        #expect(try custom.verify(token, now: testNow).roles == ["ops"])
        let keycloak = JWTVerifier(keys: keys, issuer: testIssuer, audience: testAudience)
        #expect(try keycloak.verify(token, now: testNow).roles.isEmpty)
    }
}
