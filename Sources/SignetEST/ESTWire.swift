import Foundation
import SignetCore
import SwiftASN1

/// EST's wire formats (RFC 7030 §4, RFC 8951): base64 bodies both ways, degenerate
/// certs-only PKCS#7 for certificates.
public enum ESTWire {
    /// Largest request body: a CSR with a 4096-bit key is under 2 KiB of base64.
    public static let maximumBody = 64 << 10

    /// The CSR's DER from a request body. Lenient, as RFC 8951 asks: the gate's own reading
    /// (base64 with or without line breaks, PEM armour, binary DER).
    public static func csrDER(_ body: [UInt8]) throws(ESTRefusal) -> [UInt8] {
        guard body.contains(where: { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }) else {
            throw .malformed("the body is empty; send the CSR as base64 DER")
        }
        guard let der = CSRReading.der(from: body) else { throw .malformed("the body is not valid base64") }
        return der
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
