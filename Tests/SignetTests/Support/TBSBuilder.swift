import Crypto
import Foundation
import SignetCore
import SwiftASN1

/// Hand-built TBSCertificates for the lint tests: a well-formed leaf or CA by default, each
/// field replaceable by bytes that break one rule. `certificate(signedBy:)` signs with a
/// software key, so pkilint sees exactly the same bytes the in-process lint saw.
struct TBSBuilder {
    static let ecdsaSHA256 = DERBytes.sequence(DERBytes.oid([1, 2, 840, 10045, 4, 3, 2]))
    static let caKey = P256.Signing.PrivateKey()
    static let caKeyID = Array(Insecure.SHA1.hash(data: caKey.publicKey.x963Representation))
    static let leafKey = P256.Signing.PrivateKey()

    var version = DERBytes.explicit(0, DERBytes.integer(2))
    var serial = DERBytes.unsignedInteger([0x40, 0x01, 0x8c, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee])
    var algorithm = ecdsaSHA256
    var issuer = name([("2.5.4.3", string(0x0C, "Lint Test CA")), ("2.5.4.10", string(0x0C, "Signet Tests"))])
    var notBefore = DERBytes.tlv(0x17, Array("260101000000Z".utf8))
    var notAfter = DERBytes.tlv(0x17, Array("270101000000Z".utf8))
    var subject = name([("2.5.4.3", string(0x0C, "lint-device"))])
    var spki = Array(leafKey.publicKey.derRepresentation)
    var extensions: [[UInt8]]? = leafExtensions()
    var trailing: [UInt8] = []

    /// digitalSignature, critical; SKI; AKI of the test CA.
    static func leafExtensions(keyUsage: [UInt8] = [0x07, 0x80]) -> [[UInt8]] {
        [
            basicConstraints(ca: false),
            DERBytes.extension([2, 5, 29, 15], critical: true, value: DERBytes.tlv(0x03, keyUsage)),
            ski(Array(Insecure.SHA1.hash(data: leafKey.publicKey.x963Representation))),
            aki(caKeyID),
        ]
    }

    static func basicConstraints(ca: Bool, critical: Bool = true, pathLength: UInt64? = nil) -> [UInt8] {
        DERBytes.extension([2, 5, 29, 19], critical: critical, value: DERBytes.sequence(ca ? DERBytes.boolean(true) : [], pathLength.map(DERBytes.integer) ?? []))
    }

    static func ski(_ id: [UInt8]) -> [UInt8] { DERBytes.extension([2, 5, 29, 14], value: DERBytes.octetString(id)) }
    static func aki(_ id: [UInt8], critical: Bool = false) -> [UInt8] {
        DERBytes.extension([2, 5, 29, 35], critical: critical, value: DERBytes.sequence(DERBytes.tlv(0x80, id)))
    }
    static func san(_ names: [UInt8]..., critical: Bool = false) -> [UInt8] {
        DERBytes.extension([2, 5, 29, 17], critical: critical, value: DERBytes.sequence(of: names))
    }

    /// A CA certificate issued by the test CA (keyCertSign, cRLSign; critical basicConstraints).
    static func subordinate() -> TBSBuilder {
        var builder = TBSBuilder()
        builder.subject = name([("2.5.4.3", string(0x0C, "Lint Sub CA")), ("2.5.4.10", string(0x0C, "Signet Tests"))])
        builder.extensions = [
            basicConstraints(ca: true),
            DERBytes.extension([2, 5, 29, 15], critical: true, value: DERBytes.tlv(0x03, [0x01, 0x06])),
            ski(Array(Insecure.SHA1.hash(data: leafKey.publicKey.x963Representation))),
            aki(caKeyID),
        ]
        return builder
    }

    static func string(_ tag: UInt8, _ text: String) -> [UInt8] { DERBytes.tlv(tag, Array(text.utf8)) }

    /// A Name of one attribute per RDN.
    static func name(_ attributes: [(String, [UInt8])]) -> [UInt8] {
        DERBytes.sequence(of: attributes.map { type, value in
            DERBytes.set(of: [DERBytes.sequence(DERBytes.oid(try! ASN1ObjectIdentifier(dotRepresentation: type)), value)])
        })
    }

    var tbs: [UInt8] {
        DERBytes.sequence(
            version, serial, algorithm, issuer, DERBytes.sequence(notBefore, notAfter), subject, spki, trailing,
            extensions.map { DERBytes.explicit(3, DERBytes.sequence(of: $0)) } ?? []
        )
    }

    /// The certificate, signed with the test CA's software key.
    func certificate(outerAlgorithm: [UInt8]? = nil) throws -> [UInt8] {
        let tbs = self.tbs
        let signature = try Self.caKey.signature(for: tbs)
        return DERBytes.sequence(tbs, outerAlgorithm ?? Self.ecdsaSHA256, DERBytes.bitString(Array(signature.derRepresentation)))
    }
}
