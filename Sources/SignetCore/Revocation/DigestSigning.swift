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
        let key = TokenSigningKey(token: token, keyID: keyID, publicKey: publicKey)
        let algorithm = key.defaultSignatureAlgorithm
        let tokenAlgorithm: SigningAlgorithm = switch algorithm {
        case .ecdsaWithSHA256: .ecdsaSHA256
        case .ecdsaWithSHA384: .ecdsaSHA384
        case .ecdsaWithSHA512: .ecdsaSHA512
        default: .rsaPKCS1SHA256
        }
        let token = self.token
        let raw: [UInt8]
        do {
            raw = try await token.perform { try token.sign(id: keyID, algorithm: tokenAlgorithm, digest: digest.bytes) }
        } catch let error as TokenError {
            throw GateError.token(error)
        }
        let value: [UInt8]
        var verified = false
        switch digest {
        case .sha256(let d):
            if let ec = P256.Signing.PublicKey(publicKey), let signature = try? P256.Signing.ECDSASignature(rawRepresentation: raw) {
                verified = ec.isValidSignature(signature, for: d)
                value = Array(signature.derRepresentation)
            } else if let rsa = _RSA.Signing.PublicKey(publicKey) {
                verified = rsa.isValidSignature(_RSA.Signing.RSASignature(rawRepresentation: raw), for: d, padding: .insecurePKCS1v1_5)
                value = raw
            } else { value = raw }
        case .sha384(let d):
            if let ec = P384.Signing.PublicKey(publicKey), let signature = try? P384.Signing.ECDSASignature(rawRepresentation: raw) {
                verified = ec.isValidSignature(signature, for: d)
                value = Array(signature.derRepresentation)
            } else { value = raw }
        case .sha512(let d):
            if let ec = P521.Signing.PublicKey(publicKey), let signature = try? P521.Signing.ECDSASignature(rawRepresentation: raw) {
                verified = ec.isValidSignature(signature, for: d)
                value = Array(signature.derRepresentation)
            } else { value = raw }
        }
        guard verified else {
            logger.error("token signature did not verify", metadata: ["signer": "\(signerName)"])
            throw GateError.signatureNotVerified(caID: signerName)
        }
        return StructureSignature(algorithmIdentifier: try Self.algorithmIdentifier(algorithm), value: value)
    }
}
