import SwiftASN1
import X509

/// CRL distribution point and authority information access, from configured URLs.
enum PublicationExtensions {
    static let crlDistributionPointsOID: ASN1ObjectIdentifier = [2, 5, 29, 31]

    static func append(_ urls: PublicationURLs, to extensions: inout Certificate.Extensions) throws {
        if let crl = urls.crlDistributionPoint {
            try extensions.append(Certificate.Extension(
                oid: crlDistributionPointsOID,
                critical: false,
                value: ArraySlice(crlDistributionPoints(uri: crl))
            ))
        }
        var access: [AuthorityInformationAccess.AccessDescription] = []
        if let ocsp = urls.ocspResponder {
            access.append(.init(method: .ocspServer, location: .uniformResourceIdentifier(ocsp)))
        }
        if let issuers = urls.caIssuers {
            access.append(.init(method: .issuingCA, location: .uniformResourceIdentifier(issuers)))
        }
        if !access.isEmpty {
            try extensions.append(Certificate.Extension(AuthorityInformationAccess(access), critical: false))
        }
    }

    /// `CRLDistributionPoints ::= SEQUENCE OF DistributionPoint` with one point whose
    /// `distributionPoint` is `fullName` holding one URI (RFC 5280 4.2.1.13).
    static func crlDistributionPoints(uri: String) -> [UInt8] {
        let generalName = tlv(0x86, Array(uri.utf8)) // [6] IA5String, implicit
        let fullName = tlv(0xA0, generalName) // [0] GeneralNames, implicit
        let distributionPointName = tlv(0xA0, fullName) // [0] DistributionPointName (a CHOICE: explicit)
        let distributionPoint = tlv(0x30, distributionPointName)
        return tlv(0x30, distributionPoint)
    }

    static func tlv(_ tag: UInt8, _ content: [UInt8]) -> [UInt8] {
        var length: [UInt8]
        if content.count < 0x80 {
            length = [UInt8(content.count)]
        } else {
            var value = content.count
            length = []
            while value > 0 { length.insert(UInt8(value & 0xFF), at: 0); value >>= 8 }
            length.insert(0x80 | UInt8(length.count), at: 0)
        }
        return [tag] + length + content
    }
}
