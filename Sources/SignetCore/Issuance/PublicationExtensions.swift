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
    /// `distributionPoint` is `fullName` holding one URI (RFC 5280 4.2.1.13). FreshestCRL
    /// has the same syntax.
    static func crlDistributionPoints(uri: String) -> [UInt8] {
        DERBytes.sequence(distributionPoint(uri: uri))
    }

    /// `SEQUENCE { distributionPoint [0] { fullName [0] { uniformResourceIdentifier [6] } } }`:
    /// a DistributionPoint, and also the value of an IssuingDistributionPoint naming one URI.
    static func distributionPoint(uri: String) -> [UInt8] {
        let generalName = DERBytes.tlv(0x86, Array(uri.utf8)) // [6] IA5String, implicit
        let fullName = DERBytes.tlv(0xA0, generalName) // [0] GeneralNames, implicit
        let distributionPointName = DERBytes.tlv(0xA0, fullName) // [0] DistributionPointName (a CHOICE: explicit)
        return DERBytes.sequence(distributionPointName)
    }
}
