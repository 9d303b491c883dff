import Crypto
import _CryptoExtras
import Foundation
import SwiftASN1

/// CMS EnvelopedData (RFC 5652 §6), as `/serverkeygen` returns an encrypted private key
/// (RFC 7030 §4.4.2): the content under a fresh AES-256-CBC key, that key for one recipient,
/// either by RSA-OAEP (SHA-256) key transport to the client's certificate (ktri, named by
/// its subject key identifier) or by AES key wrap under a key the client shares (kekri).
/// Only the encoding is needed here; the client decrypts.
struct CMSEnvelopedData: DERSerializable, Sendable {
    static let envelopedDataOID: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 7, 3]
    static let dataOID: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 7, 1]

    var recipients: [RecipientInfo]
    var encryptedContent: EncryptedContentInfo

    /// RFC 5652 §6.1: 0 only when every recipient is a version 0 ktri (issuer and serial).
    var version: Int { recipients.allSatisfy { $0.version == 0 } ? 0 : 2 }

    /// Encrypts `content` (its type `contentType`) for `recipient`.
    static func seal(_ content: [UInt8], contentType: ASN1ObjectIdentifier = dataOID, for recipient: Recipient) throws -> CMSEnvelopedData {
        let contentKey = SymmetricKey(size: .bits256)
        let iv = AES._CBC.IV()
        let ciphertext = try AES._CBC.encrypt(content, using: contentKey, iv: iv)
        let info = EncryptedContentInfo(
            contentType: contentType,
            algorithm: CMSAlgorithmIdentifier(CMSAlgorithmIdentifier.aes256CBC, parameters: try ASN1Any(erasing: ASN1OctetString(contentBytes: ArraySlice(Array(iv))))),
            ciphertext: Array(ciphertext)
        )
        return CMSEnvelopedData(recipients: [try recipient.info(for: contentKey)], encryptedContent: info)
    }

    /// The ContentInfo around it, as DER: what goes on the wire.
    func contentInfoDER() throws -> [UInt8] {
        var coder = DER.Serializer()
        try coder.appendConstructedNode(identifier: .sequence) { coder in
            try coder.serialize(Self.envelopedDataOID)
            try coder.serialize(self, explicitlyTaggedWithTagNumber: 0, tagClass: .contextSpecific)
        }
        return coder.serializedBytes
    }

    func serialize(into coder: inout DER.Serializer) throws {
        try coder.appendConstructedNode(identifier: .sequence) { coder in
            try coder.serialize(version)
            try coder.serializeSetOf(recipients)
            try coder.serialize(encryptedContent)
        }
    }

    /// Who can open it.
    enum Recipient {
        /// The holder of the private key of an RSA certificate with this subject key identifier.
        case keyTransport(_RSA.Encryption.PublicKey, subjectKeyIdentifier: [UInt8])
        /// The holder of this AES key (128, 192 or 256 bits), known to both by `identifier`.
        case keyEncryptionKey(SymmetricKey, identifier: [UInt8])

        func info(for contentKey: SymmetricKey) throws -> RecipientInfo {
            switch self {
            case .keyTransport(let publicKey, let identifier):
                let encrypted = try contentKey.withUnsafeBytes { try publicKey.encrypt(Array($0), padding: .PKCS1_OAEP_SHA256) }
                return .keyTransport(subjectKeyIdentifier: identifier, algorithm: .rsaOAEPSHA256, encryptedKey: Array(encrypted))
            case .keyEncryptionKey(let key, let identifier):
                guard let oid = CMSAlgorithmIdentifier.aesWrap[key.bitCount] else { throw CMSError("a key-encryption key must be 128, 192 or 256 bits, not \(key.bitCount)") }
                let wrapped = try AES.KeyWrap.wrap(contentKey, using: key)
                return .keyEncryptionKey(identifier: identifier, algorithm: CMSAlgorithmIdentifier(oid), encryptedKey: Array(wrapped))
            }
        }
    }
}

struct CMSError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// RecipientInfo (RFC 5652 §6.2): the two kinds EST's server keygen uses. The CMS module
/// uses implicit tags, so the kekri alternative is its SEQUENCE retagged [2].
enum RecipientInfo: DERSerializable, Sendable {
    case keyTransport(subjectKeyIdentifier: [UInt8], algorithm: CMSAlgorithmIdentifier, encryptedKey: [UInt8])
    case keyEncryptionKey(identifier: [UInt8], algorithm: CMSAlgorithmIdentifier, encryptedKey: [UInt8])

    /// ktri naming its recipient by subject key identifier is version 2; kekri is always 4.
    var version: Int {
        switch self {
        case .keyTransport: 2
        case .keyEncryptionKey: 4
        }
    }

    func serialize(into coder: inout DER.Serializer) throws {
        switch self {
        case .keyTransport(let identifier, let algorithm, let encryptedKey):
            try coder.appendConstructedNode(identifier: .sequence) { coder in
                try coder.serialize(version)
                // rid: subjectKeyIdentifier [0] IMPLICIT OCTET STRING
                try ASN1OctetString(contentBytes: ArraySlice(identifier)).serialize(into: &coder, withIdentifier: ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific))
                try coder.serialize(algorithm)
                try coder.serialize(ASN1OctetString(contentBytes: ArraySlice(encryptedKey)))
            }
        case .keyEncryptionKey(let identifier, let algorithm, let encryptedKey):
            try coder.appendConstructedNode(identifier: ASN1Identifier(tagWithNumber: 2, tagClass: .contextSpecific)) { coder in
                try coder.serialize(version)
                try coder.appendConstructedNode(identifier: .sequence) { coder in  // KEKIdentifier
                    try coder.serialize(ASN1OctetString(contentBytes: ArraySlice(identifier)))
                }
                try coder.serialize(algorithm)
                try coder.serialize(ASN1OctetString(contentBytes: ArraySlice(encryptedKey)))
            }
        }
    }
}

/// EncryptedContentInfo (RFC 5652 §6.1), the ciphertext as `[0] IMPLICIT OCTET STRING`.
struct EncryptedContentInfo: DERSerializable, Sendable {
    var contentType: ASN1ObjectIdentifier
    var algorithm: CMSAlgorithmIdentifier
    var ciphertext: [UInt8]

    func serialize(into coder: inout DER.Serializer) throws {
        try coder.appendConstructedNode(identifier: .sequence) { coder in
            try coder.serialize(contentType)
            try coder.serialize(algorithm)
            try ASN1OctetString(contentBytes: ArraySlice(ciphertext)).serialize(into: &coder, withIdentifier: ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific))
        }
    }
}

/// AlgorithmIdentifier (RFC 5280 §4.1.1.2), with the identifiers CMS encryption here uses.
struct CMSAlgorithmIdentifier: DERSerializable, Sendable {
    static let aes256CBC: ASN1ObjectIdentifier = [2, 16, 840, 1, 101, 3, 4, 1, 42]
    /// id-aes128-wrap, id-aes192-wrap, id-aes256-wrap (RFC 3565), by key size.
    static let aesWrap: [Int: ASN1ObjectIdentifier] = [
        128: [2, 16, 840, 1, 101, 3, 4, 1, 5], 192: [2, 16, 840, 1, 101, 3, 4, 1, 25], 256: [2, 16, 840, 1, 101, 3, 4, 1, 45],
    ]
    static let rsaOAEP: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 1, 7]
    static let mgf1: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 1, 8]
    static let sha256: ASN1ObjectIdentifier = [2, 16, 840, 1, 101, 3, 4, 2, 1]

    var oid: ASN1ObjectIdentifier
    var parameters: ASN1Any?

    init(_ oid: ASN1ObjectIdentifier, parameters: ASN1Any? = nil) {
        self.oid = oid
        self.parameters = parameters
    }

    /// id-RSAES-OAEP with SHA-256 and MGF1-SHA-256 (RFC 4055 §4.1; pSource the default).
    static var rsaOAEPSHA256: CMSAlgorithmIdentifier {
        var coder = DER.Serializer()
        try! coder.appendConstructedNode(identifier: .sequence) { coder in
            try coder.serialize(CMSAlgorithmIdentifier(sha256), explicitlyTaggedWithTagNumber: 0, tagClass: .contextSpecific)
            try coder.serialize(CMSAlgorithmIdentifier(mgf1, parameters: try ASN1Any(erasing: CMSAlgorithmIdentifier(sha256))), explicitlyTaggedWithTagNumber: 1, tagClass: .contextSpecific)
        }
        return CMSAlgorithmIdentifier(rsaOAEP, parameters: try! ASN1Any(derEncoded: coder.serializedBytes))
    }

    func serialize(into coder: inout DER.Serializer) throws {
        try coder.appendConstructedNode(identifier: .sequence) { coder in
            try coder.serialize(oid)
            if let parameters { try coder.serialize(parameters) }
        }
    }
}
