import Foundation
import SignetAuth
import Testing

@Suite("JWKS parsing")
struct JWKSetTests {
    func keySetError(_ json: Data) -> AuthError? {
        do {
            _ = try JWKSet(json: json)
            return nil
        } catch {
            return error
        }
    }

    func isInvalidKeySet(_ error: AuthError?) -> Bool {
        if case .invalidKeySet? = error { return true }
        return false
    }

    @Test("a document with no usable key is refused")
    func noUsableKeys() {
        let onlyOthers = jwksJSON([
            ["kty": "oct", "k": "c2VjcmV0"],
            ["kty": "EC", "crv": "P-384", "x": "AA", "y": "AA"],
        ])
        #expect(isInvalidKeySet(keySetError(onlyOthers)))
        #expect(isInvalidKeySet(keySetError(jwksJSON([]))))
        #expect(isInvalidKeySet(keySetError(Data("{}".utf8))))
        #expect(isInvalidKeySet(keySetError(Data("not json".utf8))))
    }

    @Test("unknown key types and encryption keys are skipped")
    func skipsOthers() throws {
        let ec = ECTestKey(kid: "ec")
        var encryption = rsaJWK(kid: "enc")
        encryption["use"] = "enc"
        let json = jwksJSON([["kty": "oct", "k": "c2VjcmV0", "kid": "hmac"], ec.jwk, encryption, rsaJWK(kid: "rsa")])
        #expect(try JWKSet(json: json).keyIDs == ["ec", "rsa"])
    }

    @Test("a broken key of a supported type is reported, not skipped")
    func brokenKey() {
        var broken = ECTestKey(kid: "ec").jwk
        broken["x"] = base64url(Data(repeating: 1, count: 31))
        #expect(isInvalidKeySet(keySetError(jwksJSON([broken]))))
        var offCurve = ECTestKey(kid: "ec").jwk
        offCurve["y"] = base64url(Data(repeating: 7, count: 32))
        #expect(isInvalidKeySet(keySetError(jwksJSON([offCurve]))))
    }
}
