import Foundation

/// A certificate's status as an OCSP response states it.
public struct OCSPCertificateStatus: Sendable, Hashable {
    public let serialNumber: String
    public let status: OCSPCertStatus
    /// The certificate's revocation_seq (0 before any change): a stored response is current
    /// only while this is unchanged.
    public let revision: Int64

    public init(serialNumber: String, status: OCSPCertStatus, revision: Int64) {
        self.serialNumber = serialNumber
        self.status = status
        self.revision = revision
    }
}

/// Where a CA's pre-signer goes on from: the issue time of the last certificate it signed
/// (less a look-back for late commits) and the last revocation revision it signed.
public struct OCSPRefreshMark: Sendable, Hashable {
    public var issuedFrom: Date
    public var revision: Int64

    public init(issuedFrom: Date, revision: Int64) {
        self.issuedFrom = issuedFrom
        self.revision = revision
    }

    /// Everything: a process's first pass also signs what another left unsigned.
    public static let start = OCSPRefreshMark(issuedFrom: .distantPast, revision: 0)
}

/// A signed, complete OCSPResponse for one certificate, ready to serve.
public struct StoredOCSPResponse: Sendable, Hashable {
    public let issuerCAID: String
    public let serialNumber: String
    public let hashAlgorithm: OCSPHashAlgorithm
    public let revision: Int64
    /// The key that signed it: '' for the CA's own key, else the delegated responder's key
    /// URI. Served only while that is still the CA's responder.
    public let responder: String
    public let producedAt: Date
    public let nextUpdate: Date
    public let der: [UInt8]

    public init(issuerCAID: String, serialNumber: String, hashAlgorithm: OCSPHashAlgorithm, revision: Int64, responder: String, producedAt: Date, nextUpdate: Date, der: [UInt8]) {
        self.issuerCAID = issuerCAID
        self.serialNumber = serialNumber
        self.hashAlgorithm = hashAlgorithm
        self.revision = revision
        self.responder = responder
        self.producedAt = producedAt
        self.nextUpdate = nextUpdate
        self.der = der
    }
}

public protocol OCSPStore: Sendable {
    /// A stored response that still matches the certificate's revocation state and the CA's
    /// current responder, and is valid beyond `validAfter`.
    func response(issuerCAID: String, serialNumber: String, hashAlgorithm: OCSPHashAlgorithm, validAfter: Date) async throws -> StoredOCSPResponse?
    /// The status of each serial the CA issued; serials it never issued are absent.
    func statuses(issuerCAID: String, serialNumbers: [String]) async throws -> [String: OCSPCertificateStatus]
    /// Stores responses; one whose certificate changed since it was read is dropped.
    func save(_ responses: [StoredOCSPResponse]) async throws
    /// Unexpired certificates of the CA issued at or after `issuedFrom` without a current
    /// response (one for their revocation state, signed by the CA's current responder), in order of issue, with when each was issued (to continue from).
    func unsignedCertificates(issuerCAID: String, hashAlgorithm: OCSPHashAlgorithm, issuedFrom: Date, limit: Int) async throws -> [(OCSPCertificateStatus, Date)]
    /// Unexpired certificates of the CA whose revocation state changed at `fromRevision` or
    /// later (their `revocation_seq`) without a current response, in order of revision.
    func changedCertificates(issuerCAID: String, hashAlgorithm: OCSPHashAlgorithm, fromRevision: Int64, limit: Int) async throws -> [OCSPCertificateStatus]
    /// Unexpired certificates of the CA whose response expires before `refreshBefore`.
    func expiringResponses(issuerCAID: String, hashAlgorithm: OCSPHashAlgorithm, refreshBefore: Date, limit: Int) async throws -> [OCSPCertificateStatus]
    /// Drops the CA's stored responses (its responder changed).
    func purge(issuerCAID: String) async throws
    /// Takes or renews the lease on pre-signing the CA's responses; false while another
    /// holder's lease runs. One process pre-signs a CA at a time.
    func claimRefresh(issuerCAID: String, holder: UUID, for seconds: TimeInterval) async throws -> Bool
}
