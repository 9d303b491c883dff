import Foundation
import SignetAuth
import SignetQuery

/// Input: a bearer token (compact JWS), verified as the API verifies every request's; or, when
/// it starts with `{`, a JWKS document as the server reads its identity provider's keys.
enum JWTTarget {
    static let issuer = "https://fuzz.signet.example"
    static let audience = "signet"
    /// Inside the seeds' validity, whatever day the fuzzer runs.
    static let now = Date(timeIntervalSince1970: 1_893_456_000)  // 2030-01-01

    static let tokenIssuer: JWTIssuer = {
        do { return try JWTIssuer(privateKeyPEM: FixedKeys.p256.pemRepresentation, keyID: FixedKeys.jwtKeyID) } catch {
            fatalError("the fixed key does not load: \(error)")
        }
    }()

    /// The fixed ES256 key beside an RSA key (public half only: RS256 tokens reach the RSA
    /// check and fail it, which is the path a forged token takes).
    static let verifier: JWTVerifier = {
        guard case .object(var document)? = try? JSONValue(parsing: tokenIssuer.jwks),
              case .array(var keys)? = document["keys"] else { fatalError("the fixed JWKS does not parse") }
        keys.append(.object(["kty": .string("RSA"), "kid": .string("fuzz-rs256"), "alg": .string("RS256"), "e": .string("AQAB"), "n": .string(rsaModulus)]))
        document["keys"] = .array(keys)
        do { return JWTVerifier(keys: try JWKSet(json: JSONValue.object(document).encoded()), issuer: issuer, audience: audience) } catch {
            fatalError("the fixed JWKS is refused: \(error)")
        }
    }()

    static func run(_ bytes: [UInt8]) {
        if bytes.first == UInt8(ascii: "{") {
            _ = try? JWKSet(json: Data(bytes))
            return
        }
        guard let token = String(bytes: bytes, encoding: .utf8) else { return }
        _ = try? verifier.verify(token, now: now)
    }

    static let rsaModulus = """
        l5sA3ZkDPNXMkXYBzDaX0p9jxeTsyW4GT1YGPDzQ7H-0BgL_JQRKyFXUvZIlDHDWutxso_1OHl6fEDdYBAnOyHPpKiMv41RrQqJlVHZDfxVAbAUfuXsfdsx478OYAmPGP14dUiMNKNyuLfVcPGoSR-aw2OaZr9c43CPNtZNRM8XY6NEJB3HmFinq6xrozOpJOc4IdRLOQzgGI7XrpcU58vkIRkELPeszV1wHWY4Kidg_5yqhIoGgQ72CjQl7P5KnVLQ3MEA9X4ssSLEWUDxj3PlZEmBAiwaT5Q8Kyv2O03AN0ZTg-y8ujlagwV58H4zklB-XbHj5xKpvgvkat67MqQ
        """
}
