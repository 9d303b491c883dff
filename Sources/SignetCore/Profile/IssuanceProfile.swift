import Foundation

/// An issuance profile: what a CA may put into a certificate it signs.
///
/// The JSON shape (snake_case) is the one reviewed in `policies/*.json`. Decoding is strict:
/// see ``IssuanceProfile/decode(_:)``.
public struct IssuanceProfile: Codable, Sendable, Hashable {
    public var id: String
    public var name: String
    public var description: String
    public var validity: Validity
    public var signAsCA: Bool
    public var honorKeyUsage: Bool
    public var keyUsage: KeyUsageFlags
    public var honorExtendedKeyUsages: Bool
    public var extendedKeyUsages: [ExtendedKeyUsageName]
    public var honorSubject: Bool
    public var subject: SubjectTemplate
    public var honorExtensions: Bool
    public var cryptoEnforcement: CryptoEnforcement
    /// Who may issue with the profile: any issuing role, or administrators only.
    public var requiredRole: RequiredRole
    /// Certificates for a CA's delegated OCSP responder (OCSPSigning and id-pkix-ocsp-nocheck).
    /// Such a profile is used only by the delegated-responder path, never by a sign request.
    public var ocspResponder: Bool
    /// A `sign_as_ca` profile that administrators may use to certify a CA key held outside
    /// Signet's token (the "sign external sub-CA" operation). Without it, CA certificates are
    /// made only by CA creation, into keys the token generated.
    public var externalCA: Bool
    /// basicConstraints pathLenConstraint of CA certificates (nil: none, unless the parent's forces one).
    public var pathLength: Int?
    /// nameConstraints written into CA certificates.
    public var nameConstraints: NameConstraintsTemplate?
    /// Which subjectAltNames a request may carry (with `honor_extensions`).
    public var namePolicy: NamePolicy?
    /// Accept CSRs signed with SHA-1 (legacy devices only; SHA-256 or stronger otherwise).
    public var allowSHA1CSRSignatures: Bool

    /// A profile with everything but its id and validity at the defaults a document would get.
    public init(id: String, name: String? = nil, validity: Validity) {
        self.id = id
        self.name = name ?? id
        self.description = ""
        self.validity = validity
        self.signAsCA = false
        self.honorKeyUsage = false
        self.keyUsage = KeyUsageFlags()
        self.honorExtendedKeyUsages = false
        self.extendedKeyUsages = []
        self.honorSubject = false
        self.subject = .requestCommonName
        self.honorExtensions = false
        self.cryptoEnforcement = CryptoEnforcement()
        self.requiredRole = .operator
        self.ocspResponder = false
        self.externalCA = false
        self.pathLength = nil
        self.nameConstraints = nil
        self.namePolicy = nil
        self.allowSHA1CSRSignatures = false
    }

    /// The least role a requester must hold to issue with a profile.
    public enum RequiredRole: String, Codable, Sendable, Hashable {
        case `operator`, admin
    }

    /// How long, or until when, certificates issued under the profile are valid.
    public struct Validity: Codable, Sendable, Hashable {
        public enum Kind: String, Codable, Sendable { case duration = "Duration", time = "Time" }
        public var type: Kind
        /// Go-style duration (`8760h`, `90d`, `1h30m`) when `type` is `Duration`.
        public var duration: String?
        /// RFC 3339 instant, the certificates' notAfter, when `type` is `Time`.
        public var time: String?

        public init(type: Kind, duration: String? = nil, time: String? = nil) {
            self.type = type
            self.duration = duration
            self.time = time
        }

        /// When a certificate issued at `start` would end, or nil if the validity is unreadable.
        public func notAfter(from start: Date) -> Date? {
            switch type {
            case .duration: (try? DurationText.seconds(duration ?? "")).map { start.addingTimeInterval($0) }
            case .time: RFC3339.date(time ?? "")
            }
        }
    }

    /// The X.509 key usage bits a profile grants.
    public struct KeyUsageFlags: Codable, Sendable, Hashable {
        public var digitalSignature = false
        public var keyEncipherment = false
        public var contentCommitment = false
        public var dataEncipherment = false
        public var keyAgreement = false
        public var certSign = false
        public var crlSign = false

        public init() {}

        public var isEmpty: Bool { self == KeyUsageFlags() }
    }

    /// Subject attributes the profile imposes; empty strings impose nothing.
    public struct SubjectTemplate: Codable, Sendable, Hashable {
        public var commonName = ""
        public var organization = ""
        public var organizationUnit = ""
        public var country = ""
        public var state = ""
        public var locality = ""

        public init() {}
    }

    /// Which public keys the profile accepts, on top of the baseline every profile has.
    public struct CryptoEnforcement: Codable, Sendable, Hashable {
        public var enabled = false
        public var allowRSAKeys = true
        public var allowedRSAKeySizes: [Int] = []
        public var allowECDSAKeys = true
        public var allowedECDSAKeySizes: [Int] = []

        public init() {}
    }
}

/// The extended key usages a profile may name.
public enum ExtendedKeyUsageName: String, Codable, Sendable, Hashable, CaseIterable {
    case serverAuth, clientAuth, codeSigning, emailProtection, timeStamping, ocspSigning
}
