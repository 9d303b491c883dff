/// The narrow store interfaces the core needs. The PostgreSQL module implements them.

public protocol ProfileStore: Sendable {
    /// Stores the profile as its current version; earlier versions stay readable by hash.
    func save(_ profile: StoredProfile) async throws -> ProfileSaveOutcome
    func profile(id: String) async throws -> StoredProfile?
    func profiles() async throws -> [StoredProfile]
}

public enum ProfileSaveOutcome: String, Sendable {
    case created, updated, unchanged
}

public protocol CAStore: Sendable {
    /// Inserts a CA; for CAs Signet created, its certificate goes in the same transaction.
    func insert(_ ca: CARecord, certificate: CertificateRecord?) async throws
    func ca(id: String) async throws -> CARecord?
    func cas() async throws -> [CARecord]
    /// Sets or clears (nil) the CA's delegated OCSP responder.
    func setOCSPSigner(caID: String, _ signer: OCSPSignerRecord?) async throws
    /// Replaces the profiles the CA issues with.
    func setAllowedProfiles(caID: String, _ profiles: [String]) async throws
    /// Drops cached copies of these CAs (their status changed).
    func forget(ids: [String])
}

public protocol CertificateStore: Sendable {
    /// Commits the certificate, and with it its first OCSP response when one was signed;
    /// the gate returns it only after this succeeds. Throws ``IssuerNotActive`` when its CA
    /// is no longer active by the time it commits (nothing is stored).
    func insert(_ certificate: CertificateRecord, firstOCSPResponse: StoredOCSPResponse?) async throws
    func certificate(serialNumber: String) async throws -> CertificateRecord?
    /// Certificates ordered by serial, after `serialNumber` (exclusive), optionally of one CA.
    func page(issuerCAID: String?, after serialNumber: String?, limit: Int) async throws -> [CertificateRecord]
}

/// A signed certificate was not stored: its issuing CA was revoked or retired after the gate
/// checked it (by another process, within the CA cache's lifetime, or by a revocation that
/// committed while the certificate was being signed).
public struct IssuerNotActive: Error, Sendable, CustomStringConvertible {
    public let caID: String
    public let status: String

    public init(caID: String, status: String) {
        self.caID = caID
        self.status = status
    }

    public var description: String { "CA '\(caID)' is \(status); a certificate it signed was not stored" }
}

extension CertificateStore {
    /// Commits a certificate without an OCSP response.
    public func insert(_ certificate: CertificateRecord) async throws {
        try await insert(certificate, firstOCSPResponse: nil)
    }
}

public protocol DecisionLog: Sendable {
    func record(_ decision: DecisionRecord) async throws
}

/// The stores the core works with, bundled.
public struct CoreStores: Sendable {
    public let profiles: any ProfileStore
    public let cas: any CAStore
    public let certificates: any CertificateStore
    public let decisions: any DecisionLog
    public let revocations: any RevocationStore
    public let crls: any CRLStore
    public let ocsp: any OCSPStore

    public init(profiles: any ProfileStore, cas: any CAStore, certificates: any CertificateStore, decisions: any DecisionLog, revocations: any RevocationStore, crls: any CRLStore, ocsp: any OCSPStore) {
        self.profiles = profiles
        self.cas = cas
        self.certificates = certificates
        self.decisions = decisions
        self.revocations = revocations
        self.crls = crls
        self.ocsp = ocsp
    }
}
