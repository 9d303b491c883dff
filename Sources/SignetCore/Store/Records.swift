import Foundation

/// Who asked for a decision: a CLI user, an API subject, an EST client.
///
/// `roles` are the API roles the requester proved (`admin`, `operator`, …); the gate checks
/// them where a profile or an operation asks for more than the route did. A requester made
/// without roles holds none: devices over EST, internal jobs.
public struct Requester: Sendable, Hashable, CustomStringConvertible {
    public let name: String
    public let roles: Set<String>

    public init(_ name: String, roles: Set<String> = []) {
        self.name = name
        self.roles = roles
    }

    /// Someone with the token PIN and the database credentials on this machine (the CLI):
    /// as powerful as any administrator, so recorded as one.
    public static func localAdministrator(_ name: String) -> Requester {
        Requester(name, roles: ["admin"])
    }

    public var isAdmin: Bool { roles.contains("admin") }
    public var description: String { name }
}

/// What the gate decided about one request, recorded before any signature.
public struct DecisionRecord: Sendable {
    public enum Action: String, Sendable {
        case issue = "ISSUE", createRootCA = "CREATE_ROOT_CA", createSubordinateCA = "CREATE_SUB_CA", importCA = "IMPORT_CA"
        case signExternalCA = "SIGN_EXTERNAL_CA", setAllowedProfiles = "SET_ALLOWED_PROFILES"
        case revoke = "REVOKE", unhold = "UNHOLD", revokeCA = "REVOKE_CA"
        case publishCRL = "PUBLISH_CRL", signOCSP = "SIGN_OCSP", setOCSPSigner = "SET_OCSP_SIGNER"
        case createAuditSigner = "CREATE_AUDIT_SIGNER"
    }
    public enum Outcome: String, Sendable { case approved = "APPROVED", refused = "REFUSED", failed = "FAILED" }

    public let id: UUID
    public let time: Date
    public let action: Action
    public let caID: String
    public let profileID: String?
    public let profileVersion: String?
    public let requester: Requester
    /// SHA-256 of the request as received (the CSR's DER when it decoded).
    public let requestFingerprint: String?
    public let rules: [RuleOutcome]
    public let outcome: Outcome
    /// The rule that ended a refusal or failure.
    public let failedRule: String?
    /// The serial reserved for an approved issuance.
    public let serialNumber: String?
}

/// A CA as the core knows it. Imported CAs have no key and never sign.
public struct CARecord: Sendable, Hashable {
    public enum Kind: String, Sendable { case root = "ROOT", subordinate = "SUBORDINATE", imported = "IMPORTED" }
    public enum Status: String, Sendable { case active = "ACTIVE", revoked = "REVOKED", deleted = "DELETED" }

    public let id: String
    public let kind: Kind
    public let parentID: String?
    public let level: Int
    public let certificateDER: [UInt8]
    /// The signing key, or nil for an imported CA.
    public let keyURI: String?
    /// The profile this CA's own certificate was issued under.
    public let profileID: String?
    /// The default profile for what this CA signs.
    public let issuanceProfileID: String?
    /// The only profiles this CA issues with (its default among them).
    public var allowedProfiles: [String]
    public let status: Status
    /// The delegated OCSP responder, or nil when the CA's own key signs OCSP responses.
    public var ocspSigner: OCSPSignerRecord?

    /// Without `allowedProfiles` the CA may issue with its default profile only.
    public init(id: String, kind: Kind, parentID: String?, level: Int, certificateDER: [UInt8], keyURI: String?, profileID: String?, issuanceProfileID: String?, allowedProfiles: [String]? = nil, status: Status, ocspSigner: OCSPSignerRecord? = nil) {
        self.id = id
        self.kind = kind
        self.parentID = parentID
        self.level = level
        self.certificateDER = certificateDER
        self.keyURI = keyURI
        self.profileID = profileID
        self.issuanceProfileID = issuanceProfileID
        self.allowedProfiles = allowedProfiles ?? issuanceProfileID.map { [$0] } ?? []
        self.status = status
        self.ocspSigner = ocspSigner
    }
}

/// A delegated OCSP responder: a key in the token and the certificate its CA issued for it
/// (extended key usage OCSPSigning).
public struct OCSPSignerRecord: Sendable, Hashable {
    public let keyURI: String
    public let certificateDER: [UInt8]

    public init(keyURI: String, certificateDER: [UInt8]) {
        self.keyURI = keyURI
        self.certificateDER = certificateDER
    }
}

/// An issued certificate with the facts it is searched and audited by.
public struct CertificateRecord: Sendable, Hashable {
    public enum Status: String, Sendable { case active = "ACTIVE", revoked = "REVOKED" }

    /// Lowercase hex of the serial's DER integer bytes.
    public let serialNumber: String
    public let issuerCAID: String
    public let subject: String
    public let commonName: String?
    public let keyType: String
    public let keySize: Int
    public let notBefore: Date
    public let notAfter: Date
    public let status: Status
    public let profileID: String
    public let profileVersion: String
    public let requester: String
    public let decisionID: UUID
    public let der: [UInt8]

    public init(serialNumber: String, issuerCAID: String, subject: String, commonName: String?, keyType: String, keySize: Int, notBefore: Date, notAfter: Date, status: Status, profileID: String, profileVersion: String, requester: String, decisionID: UUID, der: [UInt8]) {
        self.serialNumber = serialNumber
        self.issuerCAID = issuerCAID
        self.subject = subject
        self.commonName = commonName
        self.keyType = keyType
        self.keySize = keySize
        self.notBefore = notBefore
        self.notAfter = notAfter
        self.status = status
        self.profileID = profileID
        self.profileVersion = profileVersion
        self.requester = requester
        self.decisionID = decisionID
        self.der = der
    }
}

/// A profile document as stored, with the hash that versions it.
public struct StoredProfile: Sendable, Hashable {
    public let profile: IssuanceProfile
    public let version: String

    public init(_ profile: IssuanceProfile) {
        self.profile = profile
        self.version = profile.versionHash
    }

    /// A profile read back with the version stored beside it (no need to hash it again).
    public init(_ profile: IssuanceProfile, version: String) {
        self.profile = profile
        self.version = version
    }
}
