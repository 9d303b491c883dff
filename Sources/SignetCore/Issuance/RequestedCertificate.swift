import Crypto
import Foundation
import SwiftASN1
import X509

/// What a requester asks to be certified: a public key, a subject and requested extensions.
///
/// Built from a CSR (after its proof of possession is checked) or, for CAs Signet creates,
/// from a key the token just generated.
public struct RequestedCertificate: Sendable {
    public var subject: DistinguishedName
    public var publicKey: Certificate.PublicKey
    public var keyKind: PublicKeyKind
    public var keyUsage: KeyUsage?
    public var extendedKeyUsage: ExtendedKeyUsage?
    public var subjectAlternativeNames: SubjectAlternativeNames?
    public var basicConstraints: BasicConstraints?

    public init(subject: DistinguishedName, publicKey: Certificate.PublicKey, keyKind: PublicKeyKind) {
        self.subject = subject
        self.publicKey = publicKey
        self.keyKind = keyKind
    }
}

/// A CSR on its way through the gate's first rules: decoding, key baseline, proof of possession.
enum CSRReading {
    /// Accepts PEM, DER, or base64 of DER (whitespace ignored).
    static func der(from input: [UInt8]) -> [UInt8]? {
        if input.first == 0x30 { return input }
        let text = String(decoding: input, as: UTF8.self)
        if text.contains("-----BEGIN") {
            return (try? PEMDocument(pemString: text)).map { Array($0.derBytes) }
        }
        let compact = text.filter { !$0.isWhitespace }
        return Data(base64Encoded: compact).map(Array.init)
    }

    /// The key kind read from the request's SubjectPublicKeyInfo, before any library
    /// refuses to parse a weak key.
    static func keyKind(der: [UInt8]) throws -> PublicKeyKind {
        let root = try DER.parse(der)
        guard case .constructed(let request) = root.content,
              let info = request.first(where: { _ in true }),
              case .constructed(let infoMembers) = info.content
        else { throw ASN1Error.invalidASN1Object(reason: "not a CertificationRequest") }
        let members = Array(infoMembers)
        guard members.count >= 3 else { throw ASN1Error.invalidASN1Object(reason: "CertificationRequestInfo is too short") }
        return try PublicKeyKind(spki: members[2])
    }

    static func fingerprint(_ bytes: [UInt8]) -> String {
        SHA256.hash(data: bytes).lowercaseHex
    }
}
