import Crypto
import Foundation
import X509

/// A signed statement that the audit chain had `sequence` sealed records whose hash-chain
/// head was `head` at `time`. Made periodically with the audit key in the token; verifying
/// one needs only the audit certificate's public key.
///
/// The signed bytes are the statement's text (see `statement`); the signature is an ECDSA
/// `ECDSA-Sig-Value` (DER) over it with the hash matching the key's curve, so
/// `openssl dgst -sha256 -verify key.pem -signature sig.der statement.txt` checks it too.
public struct AuditCheckpoint: Sendable, Hashable {
    /// The number of sealed records covered: chain_seq 1 through `sequence`.
    public let sequence: Int64
    /// `AuditChainHash.link` at `sequence`.
    public let head: String
    /// When the checkpoint was made, whole seconds (the statement carries RFC 3339 text).
    public let time: Date
    /// SHA-256 of the signing certificate's DER, lowercase hex.
    public let signer: String
    public let signature: [UInt8]

    public init(sequence: Int64, head: String, time: Date, signer: String, signature: [UInt8]) {
        self.sequence = sequence
        self.head = head
        self.time = Date(timeIntervalSince1970: time.timeIntervalSince1970.rounded(.down))
        self.signer = signer
        self.signature = signature
    }

    /// What is signed, one field a line.
    public static func statement(sequence: Int64, head: String, time: Date, signer: String) -> [UInt8] {
        Array("signet-audit-checkpoint-v1\nsequence: \(sequence)\nhead: \(head)\ntime: \(RFC3339.string(time))\nsigner: \(signer)\n".utf8)
    }

    public var statement: [UInt8] { Self.statement(sequence: sequence, head: head, time: time, signer: signer) }

    /// Whether the signature verifies over the statement with `certificate`'s key (P-256 with
    /// SHA-256 or P-384 with SHA-384), and the certificate is the one the checkpoint names.
    public func isValid(signedBy certificate: Certificate) -> Bool {
        guard let der = try? certificate.der(), SHA256.hash(data: der).lowercaseHex == signer else { return false }
        return Self.isValid(signature: signature, over: statement, publicKey: certificate.publicKey)
    }

    static func isValid(signature: [UInt8], over message: [UInt8], publicKey: Certificate.PublicKey) -> Bool {
        if let key = P256.Signing.PublicKey(publicKey) {
            return (try? P256.Signing.ECDSASignature(derRepresentation: signature)).map { key.isValidSignature($0, for: message) } ?? false
        }
        if let key = P384.Signing.PublicKey(publicKey) {
            return (try? P384.Signing.ECDSASignature(derRepresentation: signature)).map { key.isValidSignature($0, for: message) } ?? false
        }
        return false
    }

    /// The checkpoint as one JSON line (sorted keys), as the sink file holds them.
    public var jsonLine: String {
        #"{"head":\#(jsonString(head)),"sequence":\#(sequence),"signature":"\#(Data(signature).base64EncodedString())","signer":\#(jsonString(signer)),"time":"\#(RFC3339.string(time))"}"#
    }

    /// Reads a line written by `jsonLine`; nil when it is not one.
    public init?(jsonLine: String) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(jsonLine.utf8)) as? [String: Any],
              let sequence = (object["sequence"] as? Int).map(Int64.init) ?? (object["sequence"] as? NSNumber)?.int64Value, let head = object["head"] as? String,
              let timeText = object["time"] as? String, let time = RFC3339.date(timeText), let signer = object["signer"] as? String,
              let signatureText = object["signature"] as? String, let signature = Data(base64Encoded: signatureText)
        else { return nil }
        self.init(sequence: sequence, head: head, time: time, signer: signer, signature: Array(signature))
    }
}

/// The audit key: a key pair in the token whose certificate the root issued through the gate
/// (see `SigningCore.createAuditSigner`).
public struct AuditSignerRecord: Sendable, Hashable {
    public let keyURI: String
    public let certificateDER: [UInt8]
    /// The CA that issued the certificate.
    public let caID: String

    public init(keyURI: String, certificateDER: [UInt8], caID: String) {
        self.keyURI = keyURI
        self.certificateDER = certificateDER
        self.caID = caID
    }

    /// SHA-256 of the certificate's DER, lowercase hex: how checkpoints name their signer.
    public var fingerprint: String { SHA256.hash(data: certificateDER).lowercaseHex }
}
