import Crypto
import Foundation
import SignetCore
import SwiftASN1

/// PKCS#10 requests written byte by byte, signed with a software P-256 key, for the shapes
/// openssl refuses to produce (a 64 KB common name, a version-3 request, a duplicated
/// extension request, invalid UTF-8): what a hostile client sends.
struct RawCSR {
    static let commonName: ASN1ObjectIdentifier = [2, 5, 4, 3]
    static let utf8: UInt8 = 0x0C, printable: UInt8 = 0x13, ia5: UInt8 = 0x16, bmp: UInt8 = 0x1E

    var version: UInt64 = 0
    /// The subject's RDNs, each a SET's DER.
    var rdns: [[UInt8]]
    /// Attributes, each an Attribute's DER.
    var attributes: [[UInt8]] = []
    var sha1 = false
    var key = P256.Signing.PrivateKey()
    /// Replaces the public key's SPKI (e.g. with a point that is not on the curve).
    var spki: [UInt8]?

    init(commonName: String) {
        rdns = [Self.rdn(Self.commonName, Self.utf8, Array(commonName.utf8))]
    }

    init(rdns: [[UInt8]]) {
        self.rdns = rdns
    }

    static func rdn(_ type: ASN1ObjectIdentifier, _ tag: UInt8, _ value: [UInt8]) -> [UInt8] {
        DERBytes.set(of: [attribute(type, tag, value)])
    }

    static func attribute(_ type: ASN1ObjectIdentifier, _ tag: UInt8, _ value: [UInt8]) -> [UInt8] {
        DERBytes.sequence(DERBytes.oid(type), DERBytes.tlv(tag, value))
    }

    /// An extensionRequest attribute holding these extensions (each an Extension's DER).
    static func extensionRequest(_ extensions: [[UInt8]]) -> [UInt8] {
        DERBytes.sequence(DERBytes.oid([1, 2, 840, 113549, 1, 9, 14]), DERBytes.set(of: [DERBytes.sequence(of: extensions)]))
    }

    /// A subjectAltName extension of GeneralNames given as (context tag, content).
    static func subjectAltName(_ names: [(UInt8, [UInt8])]) -> [UInt8] {
        DERBytes.extension([2, 5, 29, 17], value: DERBytes.sequence(of: names.map { DERBytes.tlv($0.0, $0.1) }))
    }

    static func dns(_ name: String) -> (UInt8, [UInt8]) { (0x82, Array(name.utf8)) }

    func der() throws -> [UInt8] {
        let info = DERBytes.sequence(
            DERBytes.integer(version),
            DERBytes.sequence(of: rdns),
            spki ?? key.publicKey.derRepresentation.map { $0 },
            DERBytes.tlv(0xA0, attributes.flatMap { $0 })
        )
        let signature = sha1
            ? try key.signature(for: Insecure.SHA1.hash(data: info)).derRepresentation
            : try key.signature(for: SHA256.hash(data: info)).derRepresentation
        let algorithm: ASN1ObjectIdentifier = sha1 ? [1, 2, 840, 10045, 4, 1] : [1, 2, 840, 10045, 4, 3, 2]
        return DERBytes.sequence(info, DERBytes.sequence(DERBytes.oid(algorithm)), DERBytes.bitString(Array(signature)))
    }
}
