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
    /// The enrolling device, when device enrollment vouches for it (fills `{device_id}` in
    /// name policies).
    public var deviceID: String?

    public init(subject: DistinguishedName, publicKey: Certificate.PublicKey, keyKind: PublicKeyKind) {
        self.subject = subject
        self.publicKey = publicKey
        self.keyKind = keyKind
    }
}

/// A CSR on its way through the gate's first rules: decoding, key baseline, proof of possession.
public enum CSRReading {
    /// Accepts PEM, DER, or base64 of DER (whitespace ignored). Works on bytes: this runs
    /// for every request, and Character-by-Character string handling is slow.
    public static func der(from input: [UInt8]) -> [UInt8]? {
        if input.first == 0x30 { return input }
        var body = input[...]
        let begin = Array("-----BEGIN".utf8), end = Array("-----END".utf8)
        if let start = firstRange(of: begin, in: body) {
            // Skip the BEGIN line, stop at the END line.
            guard let lineEnd = body[start.upperBound...].firstIndex(of: UInt8(ascii: "\n")),
                  let stop = firstRange(of: end, in: body[lineEnd...]) else { return nil }
            body = body[(lineEnd + 1)..<stop.lowerBound]
        }
        let compact = body.filter { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }
        guard let decoded = Data(base64Encoded: Data(compact)).map(Array.init) else { return nil }
        // `base64 -w0 device.csr` of a PEM file (the README's curl example) wraps PEM once more.
        if decoded.starts(with: begin), firstRange(of: begin, in: input[...]) == nil { return der(from: decoded) }
        return decoded
    }

    /// Where `marker` first occurs in `bytes`. A byte loop: the generic `firstRange(of:)`
    /// cost about 1 % of a REST issuance, whose base64 CSR holds no PEM marker at all.
    static func firstRange(of marker: [UInt8], in bytes: ArraySlice<UInt8>) -> Range<Int>? {
        guard let first = marker.first, bytes.count >= marker.count else { return nil }
        var index = bytes.startIndex
        let last = bytes.endIndex - marker.count
        while index <= last {
            if bytes[index] == first, bytes[index..<(index + marker.count)].elementsEqual(marker) {
                return index..<(index + marker.count)
            }
            index += 1
        }
        return nil
    }

    /// The key kind read from the request's SubjectPublicKeyInfo, before any library
    /// refuses to parse a weak key.
    public static func keyKind(der: [UInt8]) throws -> PublicKeyKind {
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
