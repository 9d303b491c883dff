import CPKCS11
import Crypto
import Foundation

/// Which mechanism signs for an algorithm on a given token, and what bytes it is fed.
///
/// A hashing mechanism (`CKM_ECDSA_SHA256`, `CKM_SHA256_RSA_PKCS`) gets the message. Without
/// one, the digest is computed here and the raw mechanism gets the digest (ECDSA) or the
/// DigestInfo (RSA PKCS#1 v1.5): `CKM_ECDSA` silently truncates an unhashed message.
struct SignaturePlan {
    enum Input { case message, digest, digestInfo }

    let mechanism: CK_MECHANISM_TYPE
    let inputKind: Input
    let hash: HashKind

    enum HashKind { case sha256, sha384, sha512 }

    init(algorithm: SigningAlgorithm, available: Set<CK_MECHANISM_TYPE>) throws {
        let (hashing, raw, hash): (CK_MECHANISM_TYPE, CK_MECHANISM_TYPE, HashKind) = switch algorithm {
        case .ecdsaSHA256: (CK_MECHANISM_TYPE(CKM_ECDSA_SHA256), CK_MECHANISM_TYPE(CKM_ECDSA), .sha256)
        case .ecdsaSHA384: (CK_MECHANISM_TYPE(CKM_ECDSA_SHA384), CK_MECHANISM_TYPE(CKM_ECDSA), .sha384)
        case .ecdsaSHA512: (CK_MECHANISM_TYPE(CKM_ECDSA_SHA512), CK_MECHANISM_TYPE(CKM_ECDSA), .sha512)
        case .rsaPKCS1SHA256: (CK_MECHANISM_TYPE(CKM_SHA256_RSA_PKCS), CK_MECHANISM_TYPE(CKM_RSA_PKCS), .sha256)
        case .rsaPKCS1SHA384: (CK_MECHANISM_TYPE(CKM_SHA384_RSA_PKCS), CK_MECHANISM_TYPE(CKM_RSA_PKCS), .sha384)
        case .rsaPKCS1SHA512: (CK_MECHANISM_TYPE(CKM_SHA512_RSA_PKCS), CK_MECHANISM_TYPE(CKM_RSA_PKCS), .sha512)
        }
        self.hash = hash
        if available.contains(hashing) {
            (mechanism, inputKind) = (hashing, .message)
        } else if available.contains(raw) {
            (mechanism, inputKind) = (raw, raw == CK_MECHANISM_TYPE(CKM_ECDSA) ? .digest : .digestInfo)
        } else {
            throw TokenError.unsupportedAlgorithm("the token offers neither mechanism 0x\(String(hashing, radix: 16)) nor 0x\(String(raw, radix: 16)) for \(algorithm)")
        }
    }

    func input(for message: some DataProtocol) -> [UInt8] {
        switch inputKind {
        case .message: return Array(message)
        case .digest: return digest(message)
        case .digestInfo: return digestInfoPrefix + digest(message)
        }
    }

    /// What the raw mechanism gets for a digest computed elsewhere (a CRL hashed while it
    /// streamed). A token that offers only the hashing mechanism cannot sign a digest.
    init(digestFor algorithm: SigningAlgorithm, available: Set<CK_MECHANISM_TYPE>) throws {
        let plan = try SignaturePlan(algorithm: algorithm, available: available.subtracting([
            CK_MECHANISM_TYPE(CKM_ECDSA_SHA256), CK_MECHANISM_TYPE(CKM_ECDSA_SHA384), CK_MECHANISM_TYPE(CKM_ECDSA_SHA512),
            CK_MECHANISM_TYPE(CKM_SHA256_RSA_PKCS), CK_MECHANISM_TYPE(CKM_SHA384_RSA_PKCS), CK_MECHANISM_TYPE(CKM_SHA512_RSA_PKCS),
        ]))
        self = plan
    }

    func input(forDigest digest: [UInt8]) -> [UInt8] {
        inputKind == .digestInfo ? digestInfoPrefix + digest : digest
    }

    private func digest(_ message: some DataProtocol) -> [UInt8] {
        switch hash {
        case .sha256: Array(SHA256.hash(data: message))
        case .sha384: Array(SHA384.hash(data: message))
        case .sha512: Array(SHA512.hash(data: message))
        }
    }

    /// DER `DigestInfo` header (RFC 8017 §9.2 note 1) for each hash.
    private var digestInfoPrefix: [UInt8] {
        switch hash {
        case .sha256: [0x30, 0x31, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20]
        case .sha384: [0x30, 0x41, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0x04, 0x30]
        case .sha512: [0x30, 0x51, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03, 0x05, 0x00, 0x04, 0x40]
        }
    }
}
