import Crypto
import _CryptoExtras
import Foundation
import SignetToken
import SwiftASN1
import X509

/// A CA key that lives in the token, as swift-certificates sees a private key.
///
/// `publicKey` is the CA certificate's key, not the token's word for it: the gate verifies
/// every signature against it before use.
struct TokenSigningKey: CustomPrivateKey {
    let token: Token
    let keyID: [UInt8]
    let publicKey: Certificate.PublicKey
    /// Runs on the exact bytes about to be signed, before the token is asked: the gate lints
    /// them there and records its decision (invariants 1 and 9). Throwing stops the signature.
    var beforeSigning: (@Sendable ([UInt8]) async throws -> Void)?

    init(token: Token, keyID: [UInt8], publicKey: Certificate.PublicKey, beforeSigning: (@Sendable ([UInt8]) async throws -> Void)? = nil) {
        self.token = token
        self.keyID = keyID
        self.publicKey = publicKey
        self.beforeSigning = beforeSigning
    }

    static let defaultPEMDiscriminator = "PRIVATE KEY"

    var defaultSignatureAlgorithm: Certificate.SignatureAlgorithm {
        if P256.Signing.PublicKey(publicKey) != nil { return .ecdsaWithSHA256 }
        if P384.Signing.PublicKey(publicKey) != nil { return .ecdsaWithSHA384 }
        if P521.Signing.PublicKey(publicKey) != nil { return .ecdsaWithSHA512 }
        return .sha256WithRSAEncryption
    }

    var supportedSignatureAlgorithms: [Certificate.SignatureAlgorithm] { [defaultSignatureAlgorithm] }

    func signSynchronously(bytes: some DataProtocol, signatureAlgorithm: Certificate.SignatureAlgorithm) throws -> Certificate.Signature {
        let algorithm = try Self.tokenAlgorithm(signatureAlgorithm)
        let raw = try token.sign(id: keyID, algorithm: algorithm, message: bytes)
        let encoded = try Self.x509SignatureValue(raw: raw, algorithm: algorithm)
        return try Certificate.Signature(signatureAlgorithm: signatureAlgorithm, signatureBytes: ASN1BitString(bytes: encoded[...]))
    }

    /// What swift-certificates calls when a certificate is built with an async key: the hook
    /// sees the TBSCertificate first, then the token signs it off the caller's executor.
    func signAsynchronously(bytes: some DataProtocol & Sendable, signatureAlgorithm: Certificate.SignatureAlgorithm) async throws -> Certificate.Signature {
        if let beforeSigning { try await beforeSigning(Array(bytes)) }
        return try await IssuanceStages.time(.token) {
            try await token.perform { try self.signSynchronously(bytes: bytes, signatureAlgorithm: signatureAlgorithm) }
        }
    }

    /// The token mechanism family for an X.509 signature algorithm.
    static func tokenAlgorithm(_ algorithm: Certificate.SignatureAlgorithm) throws -> SigningAlgorithm {
        switch algorithm {
        case .ecdsaWithSHA256: .ecdsaSHA256
        case .ecdsaWithSHA384: .ecdsaSHA384
        case .ecdsaWithSHA512: .ecdsaSHA512
        case .sha256WithRSAEncryption: .rsaPKCS1SHA256
        case .sha384WithRSAEncryption: .rsaPKCS1SHA384
        case .sha512WithRSAEncryption: .rsaPKCS1SHA512
        default: throw TokenError.unsupportedAlgorithm("\(algorithm)")
        }
    }

    /// PKCS#11 returns ECDSA signatures as r‖s; X.509, CRLs and OCSP carry the DER
    /// ECDSA-Sig-Value. RSA signatures are the same in both.
    static func x509SignatureValue(raw: [UInt8], algorithm: SigningAlgorithm) throws -> [UInt8] {
        switch algorithm {
        case .ecdsaSHA256: Array(try P256.Signing.ECDSASignature(rawRepresentation: raw).derRepresentation)
        case .ecdsaSHA384: Array(try P384.Signing.ECDSASignature(rawRepresentation: raw).derRepresentation)
        case .ecdsaSHA512: Array(try P521.Signing.ECDSASignature(rawRepresentation: raw).derRepresentation)
        default: raw
        }
    }

    func serialize(into coder: inout DER.Serializer) throws {
        throw TokenError.unsupportedKey("token keys are not extractable")
    }

    static func == (lhs: Self, rhs: Self) -> Bool { lhs.keyID == rhs.keyID && lhs.token === rhs.token }
    func hash(into hasher: inout Hasher) { hasher.combine(keyID) }
}

extension TokenPublicKey {
    /// The token's public key as an X.509 public key.
    func certificatePublicKey() throws -> Certificate.PublicKey {
        switch self {
        case .ec(let oid, let point):
            switch oid {
            case "1.2.840.10045.3.1.7": return Certificate.PublicKey(try P256.Signing.PublicKey(x963Representation: point))
            case "1.3.132.0.34": return Certificate.PublicKey(try P384.Signing.PublicKey(x963Representation: point))
            case "1.3.132.0.35": return Certificate.PublicKey(try P521.Signing.PublicKey(x963Representation: point))
            default: throw TokenError.unsupportedKey("curve \(oid)")
            }
        case .rsa(let modulus, let exponent):
            return Certificate.PublicKey(try _RSA.Signing.PublicKey(n: modulus, e: exponent))
        }
    }
}
