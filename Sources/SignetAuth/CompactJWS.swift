import Foundation
import SignetQuery

/// A token split into its three JWS compact-serialization parts (RFC 7515 §7.1) and decoded.
///
/// Only the structure is checked here; nothing in it is trusted until the signature is.
/// The claims are kept as raw bytes and parsed only after the signature has been checked,
/// so that unauthenticated input never reaches the claim logic.
struct CompactJWS {
    let header: [String: JSONValue]
    let payload: Data
    let signature: Data
    /// The exact bytes that were signed: the first two parts as they appear in the token.
    let signingInput: Data

    init(_ token: String) throws(AuthError) {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else {
            throw AuthError.malformedToken(
                "expected 3 parts separated by \".\" (header.payload.signature), found \(parts.count)")
        }
        guard let headerBytes = Base64URL.decode(parts[0]) else {
            throw AuthError.malformedToken("header is not valid base64url")
        }
        guard let header = JSONValue.parseObject(headerBytes) else {
            throw AuthError.malformedToken("header is not a JSON object")
        }
        guard let payload = Base64URL.decode(parts[1]) else {
            throw AuthError.malformedToken("payload is not valid base64url")
        }
        guard let signature = Base64URL.decode(parts[2]) else {
            throw AuthError.malformedToken("signature is not valid base64url")
        }
        self.header = header
        self.payload = payload
        self.signature = signature
        self.signingInput = Data("\(parts[0]).\(parts[1])".utf8)
    }

    /// The header's "alg", checked against the accepted list.
    func algorithm() throws(AuthError) -> JWSAlgorithm {
        guard let value = header["alg"] else {
            throw AuthError.malformedToken("header has no \"alg\"")
        }
        guard let name = value.stringValue else {
            throw AuthError.malformedToken("header \"alg\" is not a string")
        }
        return try JWSAlgorithm(headerValue: name)
    }

    /// The header's "kid", if any.
    func keyID() throws(AuthError) -> String? {
        guard let value = header["kid"] else { return nil }
        guard let kid = value.stringValue else {
            throw AuthError.malformedToken("header \"kid\" is not a string")
        }
        return kid
    }

    /// Refuses tokens that mark header extensions as critical: RFC 7515 §4.1.11 says a
    /// verifier that does not understand them must reject the token, and we understand none.
    func checkNoCriticalExtensions() throws(AuthError) {
        if header["crit"] != nil {
            throw AuthError.malformedToken("header lists critical extensions (\"crit\"), which are not supported")
        }
    }
}
