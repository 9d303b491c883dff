import Foundation
import SignetAuth
import Testing

@Suite("Choosing the key")
struct KeySelectionTests {
    @Test("a kid that is not in the set is an unknown key")
    func unknownKid() throws {
        let trusted = ECTestKey(kid: "k1")
        let stranger = ECTestKey(kid: "k9")
        #expect(authError { try trusted.verifier().verify(stranger.token(), now: testNow) } == .unknownKey("no key with kid \"k9\""))
    }

    @Test("without a kid, every key of the right type is tried")
    func noKidTriesAll() throws {
        let first = ECTestKey(kid: "a")
        let second = ECTestKey(kid: "b")
        let keys = try JWKSet(json: jwksJSON([first.jwk, rsaJWK(kid: "r"), second.jwk]))
        let verifier = JWTVerifier(keys: keys, issuer: testIssuer, audience: testAudience)
        let token = second.token(header: ["alg": "ES256"])
        #expect(try verifier.verify(token, now: testNow).subject == "alice")
    }

    @Test("with a kid, only that key is tried")
    func kidPinsKey() throws {
        let first = ECTestKey(kid: "a")
        let second = ECTestKey(kid: "b")
        let keys = try JWKSet(json: jwksJSON([first.jwk, second.jwk]))
        let verifier = JWTVerifier(keys: keys, issuer: testIssuer, audience: testAudience)
        // Signed by "b" but claiming to be "a": trying every key would wrongly accept it.
        let token = second.token(header: ["alg": "ES256", "kid": "a"])
        #expect(authError { try verifier.verify(token, now: testNow) } == .badSignature)
    }
}
