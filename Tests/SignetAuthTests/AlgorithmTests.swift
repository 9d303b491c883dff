import Crypto
import Foundation
import SignetAuth
import Testing

@Suite("Algorithm allow-list")
struct AlgorithmTests {
    @Test("algorithms other than ES256 and RS256 are refused", arguments: ["none", "HS256", "ES384"])
    func refused(alg: String) throws {
        let key = ECTestKey(kid: "k1")
        // A real ES256 signature is attached, so only the header's alg can cause the refusal.
        let genuine = key.token().split(separator: ".")
        let header = base64url(json: ["alg": alg, "typ": "JWT", "kid": "k1"])
        let signature = alg == "none" ? "" : String(genuine[2])
        let token = "\(header).\(genuine[1]).\(signature)"
        #expect(authError { try key.verifier().verify(token, now: testNow) } == .unsupportedAlgorithm(alg))
    }

    @Test("an HS256 token keyed with the public key bytes is refused")
    func hmacWithPublicKey() throws {
        let key = ECTestKey(kid: "k1")
        let input = base64url(json: ["alg": "HS256", "kid": "k1"]) + "." + base64url(json: validClaims())
        let secret = SymmetricKey(data: key.key.publicKey.rawRepresentation)
        let mac = HMAC<SHA256>.authenticationCode(for: Data(input.utf8), using: secret)
        let token = input + "." + base64url(Data(mac))
        #expect(authError { try key.verifier().verify(token, now: testNow) } == .unsupportedAlgorithm("HS256"))
    }

    @Test("a header without alg is malformed")
    func missingAlg() throws {
        let key = ECTestKey(kid: "k1")
        let token = key.token(header: ["typ": "JWT"])
        #expect(isMalformed(authError { try key.verifier().verify(token, now: testNow) }))
    }
}
