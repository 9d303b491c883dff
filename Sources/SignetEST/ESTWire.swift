import Foundation
import SignetCore
import SwiftASN1

/// EST's wire formats (RFC 7030 §4, RFC 8951): base64 bodies both ways, degenerate
/// certs-only PKCS#7 for certificates.
public enum ESTWire {
    /// Largest request body: a CSR with a 4096-bit key is under 2 KiB of base64.
    public static let maximumBody = 64 << 10

    /// The CSR's DER from a request body. Lenient, as RFC 8951 asks: base64 with or without
    /// line breaks, PEM armour tolerated, and a binary DER body accepted as it is.
    public static func csrDER(_ body: [UInt8]) throws(ESTRefusal) -> [UInt8] {
        if body.first == 0x30, (try? DER.parse(body)) != nil { return body }
        guard let text = String(validating: body, as: UTF8.self) else { throw .malformed("the body is neither base64 text nor DER") }
        let payload = text.split(whereSeparator: \.isNewline).filter { !$0.hasPrefix("-----") }.joined()
        let compact = payload.filter { !$0.isWhitespace }
        guard !compact.isEmpty else { throw .malformed("the body is empty; send the CSR as base64 DER") }
        guard let der = Data(base64Encoded: compact) else { throw .malformed("the body is not valid base64") }
        return Array(der)
    }

    /// Base64 in lines of 64 characters, as EST responses carry it (`Content-Transfer-Encoding: base64`).
    public static func base64Body(_ der: [UInt8]) -> [UInt8] {
        Array(Data(der).base64EncodedString(options: [.lineLength64Characters, .endLineWithLineFeed]).utf8) + [0x0A]
    }

    static let signedData = try! ASN1ObjectIdentifier(dotRepresentation: "1.2.840.113549.1.7.2")
    static let data = try! ASN1ObjectIdentifier(dotRepresentation: "1.2.840.113549.1.7.1")

    /// A degenerate certs-only SignedData (RFC 5652 §5; RFC 7030 §4.1.3): certificates, no
    /// signers, no content.
    public static func certsOnly(_ certificates: [[UInt8]]) -> [UInt8] {
        let signed = DERBytes.sequence(
            DERBytes.integer(1),
            DERBytes.set(of: []),
            DERBytes.sequence(DERBytes.oid(data)),
            DERBytes.tlv(0xA0, certificates.flatMap { $0 }),
            DERBytes.set(of: [])
        )
        return DERBytes.sequence(DERBytes.oid(signedData), DERBytes.explicit(0, signed))
    }
}
