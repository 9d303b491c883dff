import Foundation
import SignetAuth
import Testing

@Suite("Malformed tokens")
struct MalformedTokenTests {
    let key = ECTestKey(kid: "k1")

    func error(for token: String) -> AuthError? {
        authError { try key.verifier().verify(token, now: testNow) }
    }

    @Test("a token must have exactly three parts")
    func partCount() {
        let parts = key.token().split(separator: ".")
        #expect(isMalformed(error(for: "\(parts[0]).\(parts[1])")))
        #expect(isMalformed(error(for: key.token() + ".extra")))
        #expect(isMalformed(error(for: "")))
    }

    @Test("parts must be base64url")
    func badBase64URL() {
        let parts = key.token().split(separator: ".")
        #expect(isMalformed(error(for: "\(parts[0]).\(parts[1])!!.\(parts[2])")))
        #expect(isMalformed(error(for: "\(parts[0])=.\(parts[1]).\(parts[2])")))
    }

    @Test("the header must be a JSON object")
    func headerNotJSON() {
        let parts = key.token().split(separator: ".")
        let notJSON = base64url(Data("alg=ES256".utf8))
        #expect(isMalformed(error(for: "\(notJSON).\(parts[1]).\(parts[2])")))
    }

    @Test("the payload must be a JSON object")
    func payloadNotJSON() throws {
        let header = base64url(json: ["alg": "ES256", "kid": "k1"])
        let input = header + "." + base64url(Data("[1,2]".utf8))
        let signature = try key.key.signature(for: Data(input.utf8)).rawRepresentation
        #expect(isMalformed(error(for: input + "." + base64url(signature))))
    }

    @Test("critical header extensions are refused")
    func criticalExtensions() {
        let token = key.token(header: ["alg": "ES256", "kid": "k1", "crit": ["exp"]])
        #expect(isMalformed(error(for: token)))
    }
}
