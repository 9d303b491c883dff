import Foundation
import SwiftASN1

/// DER for X.509 v2 CRLs (RFC 5280 section 5).
enum CRLEncoding {
    static let reasonCodeOID: ASN1ObjectIdentifier = [2, 5, 29, 21]
    static let invalidityDateOID: ASN1ObjectIdentifier = [2, 5, 29, 24]
    static let crlNumberOID: ASN1ObjectIdentifier = [2, 5, 29, 20]
    static let deltaCRLIndicatorOID: ASN1ObjectIdentifier = [2, 5, 29, 27]
    static let issuingDistributionPointOID: ASN1ObjectIdentifier = [2, 5, 29, 28]
    static let authorityKeyIdentifierOID: ASN1ObjectIdentifier = [2, 5, 29, 35]
    static let freshestCRLOID: ASN1ObjectIdentifier = [2, 5, 29, 46]

    /// One `revokedCertificates` element. A removed entry (a lifted hold, in a delta CRL)
    /// carries RemoveFromCRL and the CRL's own date.
    static func entry(_ entry: CRLEntry, thisUpdate: Date) -> [UInt8] {
        var extensions: [[UInt8]] = []
        let reason: RevocationReason? = entry.removed ? .removeFromCRL : entry.reason
        // RFC 5280 5.3.1: absent rather than unspecified.
        if let reason, reason != .unspecified {
            extensions.append(DERBytes.extension(reasonCodeOID, value: DERBytes.enumerated(UInt8(reason.rawValue))))
        }
        if !entry.removed, let invalidity = entry.invalidityDate {
            extensions.append(DERBytes.extension(invalidityDateOID, value: DERBytes.generalizedTime(invalidity)))
        }
        let date = entry.removed ? thisUpdate : (entry.revokedAt ?? thisUpdate)
        return DERBytes.sequence(
            DERBytes.unsignedInteger(hexBytes(entry.serialNumber)),
            DERBytes.time(date),
            extensions.isEmpty ? [] : DERBytes.sequence(of: extensions)
        )
    }

    struct Header {
        let algorithmIdentifier: [UInt8]
        let issuerName: [UInt8]
        let thisUpdate: Date
        let nextUpdate: Date
    }

    /// The TBSCertList fields before `revokedCertificates`: version v2, the signature
    /// algorithm, issuer and dates. (The entries follow, omitted when there are none, as
    /// RFC 5280 requires; then `tail`.)
    static func tbsHead(_ header: Header) -> [UInt8] {
        DERBytes.integer(1) + header.algorithmIdentifier + header.issuerName + DERBytes.time(header.thisUpdate) + DERBytes.time(header.nextUpdate)
    }

    /// `crlExtensions [0] EXPLICIT Extensions`.
    static func tbsTail(extensions: [[UInt8]]) -> [UInt8] {
        DERBytes.explicit(0, DERBytes.sequence(of: extensions))
    }

    /// A tag and length, for content written separately.
    static func header(_ tag: UInt8, length: Int) -> [UInt8] {
        var bytes = [tag]
        DERBytes.appendLength(length, to: &bytes)
        return bytes
    }

    /// The CRL extensions: AKI, CRL number, and for a full CRL its distribution point and
    /// where the delta is; for a delta, its base and the same distribution point.
    static func extensions(number: Int64, baseNumber: Int64?, authorityKeyIdentifier: [UInt8]?, distributionPoint: String?) -> [[UInt8]] {
        var extensions: [[UInt8]] = []
        if let keyIdentifier = authorityKeyIdentifier {
            extensions.append(DERBytes.extension(authorityKeyIdentifierOID, value: DERBytes.sequence(DERBytes.tlv(0x80, keyIdentifier))))
        }
        extensions.append(DERBytes.extension(crlNumberOID, value: DERBytes.integer(UInt64(number))))
        if let baseNumber {
            extensions.append(DERBytes.extension(deltaCRLIndicatorOID, critical: true, value: DERBytes.integer(UInt64(baseNumber))))
        }
        if let distributionPoint {
            extensions.append(DERBytes.extension(issuingDistributionPointOID, critical: true, value: PublicationExtensions.distributionPoint(uri: distributionPoint)))
            if baseNumber == nil {
                extensions.append(DERBytes.extension(freshestCRLOID, value: PublicationExtensions.crlDistributionPoints(uri: deltaURL(distributionPoint))))
            }
        }
        return extensions
    }

    static func deltaURL(_ distributionPoint: String) -> String { distributionPoint + "/delta" }


    static func hexBytes(_ hex: String) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(hex.utf8.count / 2)
        var high: UInt8?
        for character in hex.utf8 {
            let nibble: UInt8 = switch character {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): character - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): character - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): character - UInt8(ascii: "A") + 10
            default: 0
            }
            if let h = high { bytes.append(h << 4 | nibble); high = nil } else { high = nibble }
        }
        if let h = high { bytes.append(h) }
        return bytes
    }
}
