import Crypto
import _CryptoExtras
import Foundation
import SignetToken
import X509

/// A hash fed piece by piece, for a structure too large to hold at once.
struct StreamingHash {
    enum State {
        case sha256(SHA256), sha384(SHA384), sha512(SHA512)
    }

    private var state: State

    init(for algorithm: Certificate.SignatureAlgorithm) throws {
        switch algorithm {
        case .ecdsaWithSHA256, .sha256WithRSAEncryption: state = .sha256(SHA256())
        case .ecdsaWithSHA384, .sha384WithRSAEncryption: state = .sha384(SHA384())
        case .ecdsaWithSHA512, .sha512WithRSAEncryption: state = .sha512(SHA512())
        default: throw TokenError.unsupportedAlgorithm("\(algorithm)")
        }
    }

    mutating func update(_ bytes: [UInt8]) {
        switch state {
        case .sha256(var h): h.update(data: bytes); state = .sha256(h)
        case .sha384(var h): h.update(data: bytes); state = .sha384(h)
        case .sha512(var h): h.update(data: bytes); state = .sha512(h)
        }
    }

    enum Final {
        case sha256(SHA256.Digest), sha384(SHA384.Digest), sha512(SHA512.Digest)

        var bytes: [UInt8] {
            switch self {
            case .sha256(let d): Array(d)
            case .sha384(let d): Array(d)
            case .sha512(let d): Array(d)
            }
        }
    }

    func finalize() -> Final {
        switch state {
        case .sha256(let h): .sha256(h.finalize())
        case .sha384(let h): .sha384(h.finalize())
        case .sha512(let h): .sha512(h.finalize())
        }
    }
}

extension SigningCore {
    /// Signs a digest with a token key and verifies the signature against `publicKey` (the
    /// signer certificate's key) before anything uses it.
    func signDigest(_ digest: StreamingHash.Final, keyID: [UInt8], publicKey: Certificate.PublicKey, signerName: String) async throws -> StructureSignature {
        let algorithm = TokenSigningKey(token: token, keyID: keyID, publicKey: publicKey).defaultSignatureAlgorithm
        let tokenAlgorithm = try TokenSigningKey.tokenAlgorithm(algorithm)
        let token = self.token
        let raw: [UInt8]
        do {
            raw = try await token.perform { try token.sign(id: keyID, algorithm: tokenAlgorithm, digest: digest.bytes) }
        } catch let error as TokenError {
            throw GateError.token(error)
        }
        guard Self.isValid(raw: raw, for: digest, publicKey: publicKey) else {
            logger.error("token signature did not verify", metadata: ["signer": "\(signerName)"])
            throw GateError.signatureNotVerified(caID: signerName)
        }
        return StructureSignature(
            algorithmIdentifier: try Self.algorithmIdentifier(algorithm),
            value: try TokenSigningKey.x509SignatureValue(raw: raw, algorithm: tokenAlgorithm)
        )
    }

    /// Whether a raw token signature (r‖s, or PKCS#1 v1.5) verifies over `digest`.
    static func isValid(raw: [UInt8], for digest: StreamingHash.Final, publicKey: Certificate.PublicKey) -> Bool {
        let rsa = _RSA.Signing.PublicKey(publicKey)
        let rsaSignature = _RSA.Signing.RSASignature(rawRepresentation: raw)
        switch digest {
        case .sha256(let d):
            if let ec = P256.Signing.PublicKey(publicKey) { return (try? P256.Signing.ECDSASignature(rawRepresentation: raw)).map { ec.isValidSignature($0, for: d) } ?? false }
            return rsa?.isValidSignature(rsaSignature, for: d, padding: .insecurePKCS1v1_5) ?? false
        case .sha384(let d):
            if let ec = P384.Signing.PublicKey(publicKey) { return (try? P384.Signing.ECDSASignature(rawRepresentation: raw)).map { ec.isValidSignature($0, for: d) } ?? false }
            return rsa?.isValidSignature(rsaSignature, for: d, padding: .insecurePKCS1v1_5) ?? false
        case .sha512(let d):
            if let ec = P521.Signing.PublicKey(publicKey) { return (try? P521.Signing.ECDSASignature(rawRepresentation: raw)).map { ec.isValidSignature($0, for: d) } ?? false }
            return rsa?.isValidSignature(rsaSignature, for: d, padding: .insecurePKCS1v1_5) ?? false
        }
    }
}
