import Crypto
import _CryptoExtras
import Foundation

/// One public key taken from a JWKS entry, ready to check signatures.
///
/// Keys are decoded once, when the key set is loaded, so that a broken key shows up at start-up
/// rather than on the first request that happens to pick it.
struct VerificationKey: Sendable {
    enum Material: Sendable {
        case ecP256(P256.Signing.PublicKey)
        case rsa(_RSA.Signing.PublicKey)
    }

    let keyID: String?
    /// The JWK "alg", if the entry pinned one; a pinned key is used for that algorithm only.
    let algorithm: String?
    let material: Material

    /// Whether this key may check signatures made with `algorithm`.
    func supports(_ jwsAlgorithm: JWSAlgorithm) -> Bool {
        if let algorithm, algorithm != jwsAlgorithm.rawValue { return false }
        switch (material, jwsAlgorithm) {
        case (.ecP256, .es256), (.rsa, .rs256): return true
        default: return false
        }
    }

    /// Checks `signature` over `signingInput`; the caller has already checked `supports`.
    ///
    /// ES256 signatures must be the 64-byte r||s form that JWS prescribes (RFC 7518 §3.4);
    /// that length is checked before this is called. RS256 means PKCS#1 v1.5 padding, which
    /// swift-crypto labels "insecure" only because PSS is preferred for new designs.
    func isValidSignature(_ signature: Data, over signingInput: Data) -> Bool {
        switch material {
        case .ecP256(let key):
            guard let parsed = try? P256.Signing.ECDSASignature(rawRepresentation: signature) else {
                return false
            }
            return key.isValidSignature(parsed, for: SHA256.hash(data: signingInput))
        case .rsa(let key):
            let parsed = _RSA.Signing.RSASignature(rawRepresentation: signature)
            return key.isValidSignature(
                parsed, for: SHA256.hash(data: signingInput), padding: .insecurePKCS1v1_5)
        }
    }
}
