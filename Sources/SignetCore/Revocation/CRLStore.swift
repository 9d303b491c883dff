import Foundation

/// A CA's CRL bookkeeping, read under the lock that orders its revocations and publications.
public struct CRLState: Sendable, Hashable {
    /// Bumped by every revocation change of a certificate the CA issued (as of the start of
    /// the publication; each CRL records the revision its own entries were read at).
    public let revision: Int64
    /// The last CRL number allocated (0 before the first CRL).
    public let lastNumber: Int64
    /// The revision the latest published CRL covers (-1 before the first).
    public let publishedRevision: Int64
    public let fullNumber: Int64?
    public let fullRevision: Int64?
    public let fullDueAt: Date?
    public let deltaDueAt: Date?
    /// How long ago the oldest and the newest revocation change that no full CRL lists yet
    /// were made, by the database's clock (one clock for every server); nil when none waits.
    public let oldestUnlistedChangeAge: TimeInterval?
    public let newestUnlistedChangeAge: TimeInterval?

    public init(revision: Int64, lastNumber: Int64, publishedRevision: Int64, fullNumber: Int64?, fullRevision: Int64?, fullDueAt: Date?, deltaDueAt: Date?,
                oldestUnlistedChangeAge: TimeInterval? = nil, newestUnlistedChangeAge: TimeInterval? = nil) {
        self.revision = revision
        self.lastNumber = lastNumber
        self.publishedRevision = publishedRevision
        self.fullNumber = fullNumber
        self.fullRevision = fullRevision
        self.fullDueAt = fullDueAt
        self.deltaDueAt = deltaDueAt
        self.oldestUnlistedChangeAge = oldestUnlistedChangeAge
        self.newestUnlistedChangeAge = newestUnlistedChangeAge
    }
}

public enum CRLKind: String, Sendable, Hashable { case full = "FULL", delta = "DELTA" }

/// One certificate as a CRL lists it.
public struct CRLEntry: Sendable, Hashable {
    public let serialNumber: String
    public let revokedAt: Date?
    public let reason: RevocationReason?
    public let invalidityDate: Date?
    /// Listed in a delta CRL as RemoveFromCRL: its hold was lifted.
    public let removed: Bool

    public init(serialNumber: String, revokedAt: Date?, reason: RevocationReason?, invalidityDate: Date?, removed: Bool) {
        self.serialNumber = serialNumber
        self.revokedAt = revokedAt
        self.reason = reason
        self.invalidityDate = invalidityDate
        self.removed = removed
    }
}

/// Which certificates a CRL lists.
public enum CRLEntrySelection: Sendable, Hashable {
    /// Revoked and not yet expired at `notExpiredAt`, except the CA's own certificate.
    case revoked(notExpiredAt: Date, excludingSerial: String)
    /// Every certificate whose revocation changed after `revision` (a delta CRL's content).
    case changed(sinceRevision: Int64)
}

/// What a CRL build may do inside the publishing transaction, whose snapshot every read
/// shares: page through entries, record its decision (committed exactly when the CRL is),
/// and write the CRL's bytes in chunks. All on the transaction's own connection.
public protocol CRLPublishing {
    /// Up to `limit` entries after `serial` (exclusive), in serial order.
    func entries(_ selection: CRLEntrySelection, after serial: String?, limit: Int) async throws -> [CRLEntry]
    func record(_ decision: DecisionRecord) async throws
    /// Stores bytes of CRL `number`; the CRL is the chunks in `sequence` order.
    func writeChunk(crlNumber: Int64, sequence: Int, bytes: [UInt8]) async throws
    /// Reads back a chunk this transaction wrote.
    func readChunk(crlNumber: Int64, sequence: Int) async throws -> [UInt8]
}

/// A signed CRL ready to store.
public struct CRLDraft: Sendable, Hashable {
    public let number: Int64
    public let kind: CRLKind
    public let baseNumber: Int64?
    public let revision: Int64
    public let thisUpdate: Date
    public let nextUpdate: Date
    public let entries: Int
    public let decisionID: UUID
    /// Bytes of DER, stored in chunks.
    public let size: Int
}

/// What one publication produces, and when the next is due.
public struct CRLPublication: Sendable {
    public let drafts: [CRLDraft]
    public let fullDueAt: Date
    public let deltaDueAt: Date
}

/// A stored CRL, as served.
public struct PublishedCRL: Sendable, Hashable {
    public let caID: String
    public let number: Int64
    public let kind: CRLKind
    public let baseNumber: Int64?
    public let thisUpdate: Date
    public let nextUpdate: Date
    public let size: Int

    public init(caID: String, number: Int64, kind: CRLKind, baseNumber: Int64?, thisUpdate: Date, nextUpdate: Date, size: Int) {
        self.caID = caID
        self.number = number
        self.kind = kind
        self.baseNumber = baseNumber
        self.thisUpdate = thisUpdate
        self.nextUpdate = nextUpdate
        self.size = size
    }
}

public protocol CRLStore: Sendable {
    /// Takes the CA's publication lock, runs `build` with the CA's CRL state and the
    /// transaction's means to read entries and record decisions, and stores what `build`
    /// returns in the same transaction. Two processes publishing at once take turns, so CRL
    /// numbers are never reused; revocations never wait for a publication.
    func publish(caID: String, _ build: @escaping @Sendable (CRLState, any CRLPublishing) async throws -> CRLPublication?) async throws -> [CRLDraft]
    func latest(caID: String, kind: CRLKind) async throws -> PublishedCRL?
    /// One chunk of a stored CRL (`sequence` from 0), or nil past the last. Only the two
    /// latest CRLs of each kind keep their bytes.
    func chunk(caID: String, number: Int64, sequence: Int) async throws -> [UInt8]?
    /// Active CAs with a key whose CRLs are missing, due, or behind a revocation change
    /// (a full CRL once `settings.fullCRLDue` says so for the changes it lacks).
    func casNeedingCRLs(_ settings: RevocationSettings) async throws -> [String]
}
