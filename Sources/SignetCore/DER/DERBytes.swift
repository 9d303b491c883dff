import Foundation
import SwiftASN1

/// Small DER encoders for the structures swift-certificates has no public writer for
/// (CRLs, OCSP responses, EST's PKCS#7 and CSR attributes). Each returns one complete TLV.
public enum DERBytes {
    public static func tlv(_ tag: UInt8, _ content: [UInt8]) -> [UInt8] {
        var encoded = [tag]
        encoded.reserveCapacity(content.count + 6)
        appendLength(content.count, to: &encoded)
        encoded.append(contentsOf: content)
        return encoded
    }

    public static func appendLength(_ length: Int, to bytes: inout [UInt8]) {
        if length < 0x80 {
            bytes.append(UInt8(length))
            return
        }
        var octets: [UInt8] = []
        var value = length
        while value > 0 { octets.insert(UInt8(value & 0xFF), at: 0); value >>= 8 }
        bytes.append(0x80 | UInt8(octets.count))
        bytes.append(contentsOf: octets)
    }

    public static func sequence(_ parts: [UInt8]...) -> [UInt8] { tlv(0x30, parts.flatMap { $0 }) }
    public static func sequence(of parts: [[UInt8]]) -> [UInt8] { tlv(0x30, parts.flatMap { $0 }) }
    /// SET OF, its elements in the order DER requires (by their encodings).
    public static func set(of parts: [[UInt8]]) -> [UInt8] {
        tlv(0x31, parts.sorted { $0.lexicographicallyPrecedes($1) }.flatMap { $0 })
    }

    /// `[n]` EXPLICIT: a constructed context tag around one encoded value.
    public static func explicit(_ number: UInt8, _ inner: [UInt8]) -> [UInt8] { tlv(0xA0 | number, inner) }

    public static let null: [UInt8] = [0x05, 0x00]

    /// A non-negative INTEGER from its big-endian magnitude (leading zeros dropped, a zero
    /// byte added when the top bit is set).
    public static func unsignedInteger(_ magnitude: [UInt8]) -> [UInt8] {
        var bytes = Array(magnitude.drop { $0 == 0 })
        if bytes.isEmpty { bytes = [0] }
        if bytes[0] & 0x80 != 0 { bytes.insert(0, at: 0) }
        return tlv(0x02, bytes)
    }

    public static func integer(_ value: UInt64) -> [UInt8] {
        unsignedInteger(withUnsafeBytes(of: value.bigEndian) { Array($0) })
    }

    public static func enumerated(_ value: UInt8) -> [UInt8] { [0x0A, 0x01, value] }
    public static func boolean(_ value: Bool) -> [UInt8] { [0x01, 0x01, value ? 0xFF : 0x00] }
    public static func octetString(_ bytes: [UInt8]) -> [UInt8] { tlv(0x04, bytes) }
    public static func bitString(_ bytes: [UInt8]) -> [UInt8] { tlv(0x03, [0] + bytes) }

    public static func oid(_ identifier: ASN1ObjectIdentifier) -> [UInt8] {
        var serializer = DER.Serializer()
        try! serializer.serialize(identifier) // An OID always serializes.
        return serializer.serializedBytes
    }

    /// GeneralizedTime in whole seconds, `YYYYMMDDHHMMSSZ`.
    public static func generalizedTime(_ date: Date) -> [UInt8] {
        tlv(0x18, UTCDate(date).asn1Time(fourDigitYear: true))
    }

    /// RFC 5280 Time: UTCTime through 2049, GeneralizedTime from 2050.
    public static func time(_ date: Date) -> [UInt8] {
        let parts = UTCDate(date)
        if parts.year < 2050 { return tlv(0x17, parts.asn1Time(fourDigitYear: false)) }
        return tlv(0x18, parts.asn1Time(fourDigitYear: true))
    }

    /// One `Extension ::= SEQUENCE { extnID, critical DEFAULT FALSE, extnValue OCTET STRING }`.
    public static func `extension`(_ identifier: ASN1ObjectIdentifier, critical: Bool = false, value: [UInt8]) -> [UInt8] {
        sequence(oid(identifier), critical ? boolean(true) : [], octetString(value))
    }
}
