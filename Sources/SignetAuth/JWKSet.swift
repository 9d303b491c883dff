import Foundation
import SignetQuery

/// Public keys from a JWKS document (RFC 7517): EC P-256 keys (kty "EC", crv "P-256", x, y)
/// and RSA keys (kty "RSA", n, e), each with optional "kid" and "alg".
///
/// Identity providers publish their signing keys this way; the verifier only ever trusts
/// keys that came through here, never key material named inside a token.
public struct JWKSet: Sendable {
    let keys: [VerificationKey]

    /// Parses `{"keys":[...]}`. Entries of unknown type, other curves and encryption-only keys
    /// are skipped; a document left with no usable key is an error, since it could verify nothing.
    public init(json: Data) throws(AuthError) {
        guard let document = JSONValue.parseObject(json) else {
            throw AuthError.invalidKeySet("document is not a JSON object")
        }
        guard case .array(let entries)? = document["keys"] else {
            throw AuthError.invalidKeySet("document has no \"keys\" array")
        }
        var keys: [VerificationKey] = []
        for (position, entry) in entries.enumerated() {
            if let key = try JWKParser.parse(entry, position: position) {
                keys.append(key)
            }
        }
        guard !keys.isEmpty else {
            throw AuthError.invalidKeySet(
                "none of its \(entries.count) entries is an EC P-256 or RSA signing key")
        }
        self.keys = keys
    }

    /// The "kid" of each usable key, in document order (nil where an entry has none).
    public var keyIDs: [String?] {
        keys.map(\.keyID)
    }

    /// The keys allowed to check a token signed with `algorithm`.
    ///
    /// A token that names a kid is checked with that key only, so a token cannot pick a
    /// weaker or unrelated key from the set; without a kid every key of the right type is tried.
    func candidates(for algorithm: JWSAlgorithm, keyID: String?) throws(AuthError) -> [VerificationKey] {
        guard let keyID else {
            let matching = keys.filter { $0.supports(algorithm) }
            guard !matching.isEmpty else {
                throw AuthError.unknownKey("no key of type \(algorithm.keyType) for \(algorithm.rawValue)")
            }
            return matching
        }
        let named = keys.filter { $0.keyID == keyID }
        guard !named.isEmpty else {
            throw AuthError.unknownKey("no key with kid \"\(keyID)\"")
        }
        let matching = named.filter { $0.supports(algorithm) }
        guard !matching.isEmpty else {
            throw AuthError.unknownKey("key with kid \"\(keyID)\" cannot check \(algorithm.rawValue) signatures")
        }
        return matching
    }
}
