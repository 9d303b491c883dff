import Foundation
import X509

/// Everything a certificate will contain except its serial, issuer and signature:
/// the gate's approved answer to a request.
public struct CertificatePlan: Sendable {
    public let subject: DistinguishedName
    public let publicKey: Certificate.PublicKey
    public let keyKind: PublicKeyKind
    public let notBefore: Date
    public let notAfter: Date
    public let extensions: Certificate.Extensions
}

/// The issuing CA as the rules see it.
struct IssuerContext {
    let name: DistinguishedName
    let notBefore: Date
    let notAfter: Date
    let keyIdentifier: ArraySlice<UInt8>?
    /// The issuing CA certificate's own nameConstraints: the gate keeps to them too.
    var nameConstraints: NameConstraints? = nil
}

/// Where relying parties find revocation information for certificates of one CA.
public struct PublicationURLs: Sendable, Hashable {
    public var crlDistributionPoint: String?
    public var ocspResponder: String?
    public var caIssuers: String?

    public init(crlDistributionPoint: String? = nil, ocspResponder: String? = nil, caIssuers: String? = nil) {
        self.crlDistributionPoint = crlDistributionPoint
        self.ocspResponder = ocspResponder
        self.caIssuers = caIssuers
    }

    /// URLs under one public base: `<base>/crl/<ca>`, `<base>/ocsp`, `<base>/ca/<ca>.der`.
    public static func under(base: String?, caID: String) -> PublicationURLs {
        guard let base, !base.isEmpty else { return PublicationURLs() }
        let root = base.hasSuffix("/") ? String(base.dropLast()) : base
        return PublicationURLs(
            crlDistributionPoint: "\(root)/crl/\(caID)",
            ocspResponder: "\(root)/ocsp",
            caIssuers: "\(root)/ca/\(caID).der"
        )
    }
}
