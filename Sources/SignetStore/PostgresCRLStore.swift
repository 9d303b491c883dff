import Foundation
import Logging
import PostgresNIO
import SignetCore

/// CRL numbering and storage. Publishers of one CA take turns under a transaction-level
/// advisory lock and keep their bookkeeping in `crl_publication`; revocations only bump
/// `crl_state.revision`, so a long CRL build never holds up a revocation. Each statement
/// that streams entries reads the revision with them (one snapshot), so a CRL records
/// exactly which changes it covers, and a later publisher (after the lock) sees at least
/// as much as an earlier one: numbers and contents grow together.
struct PostgresCRLStore: CRLStore {
    let client: PostgresClient
    let auditKey: AuditKey
    let logger: Logger

    /// A CRL of hundreds of thousands of entries takes seconds, not the 5 s request deadline.
    static let publicationDeadline: Duration = .seconds(600)
    static let lockNamespace: Int32 = 4_242_002

    func publish(caID: String, _ build: @escaping @Sendable (CRLState, any CRLPublishing) async throws -> CRLPublication?) async throws -> [CRLDraft] {
        try await client.transaction(logger: logger, deadline: Self.publicationDeadline) { connection in
            _ = try await connection.query("SELECT pg_advisory_xact_lock(\(Self.lockNamespace), hashtext(\(caID)))", logger: logger)
            try await connection.query("INSERT INTO crl_publication (ca_id) VALUES (\(caID)) ON CONFLICT (ca_id) DO NOTHING", logger: logger)
            var state: CRLState?
            let current: PostgresQuery = """
                SELECT COALESCE(s.revision, 0), p.crl_number, p.published_revision, p.full_number, p.full_revision, p.full_due_at, p.delta_due_at
                FROM crl_publication p LEFT JOIN crl_state s ON s.ca_id = p.ca_id WHERE p.ca_id = \(caID)
                """
            for try await (revision, number, published, fullNumber, fullRevision, fullDue, deltaDue) in try await connection.query(current, logger: logger)
                .decode((Int64, Int64, Int64, Int64?, Int64?, Date?, Date?).self) {
                state = CRLState(revision: revision, lastNumber: number, publishedRevision: published, fullNumber: fullNumber,
                                 fullRevision: fullRevision, fullDueAt: fullDue, deltaDueAt: deltaDue)
            }
            guard let state else { throw StoreError.corruptRow("crl_publication for \(caID) vanished") }
            guard let publication = try await build(state, TransactionPublishing(connection: connection, caID: caID, auditKey: auditKey, logger: logger)) else { return [] }
            var full: CRLDraft?
            for draft in publication.drafts {
                if draft.kind == .full { full = draft }
                try await connection.query(
                    """
                    INSERT INTO crls (ca_id, crl_number, kind, base_crl_number, revision, this_update, next_update, entries, decision_id, der)
                    VALUES (\(caID), \(draft.number), \(draft.kind.rawValue), \(draft.baseNumber), \(draft.revision), \(draft.thisUpdate),
                            \(draft.nextUpdate), \(draft.entries), \(draft.decisionID), \(ByteBuffer(bytes: draft.der)))
                    """,
                    logger: logger
                )
            }
            guard let last = publication.drafts.max(by: { $0.number < $1.number }) else { return [] }
            try await connection.query(
                """
                UPDATE crl_publication SET crl_number = \(last.number), published_revision = \(last.revision),
                    full_number = COALESCE(\(full?.number), full_number), full_revision = COALESCE(\(full?.revision), full_revision),
                    full_due_at = \(publication.fullDueAt), delta_due_at = \(publication.deltaDueAt)
                WHERE ca_id = \(caID)
                """,
                logger: logger
            )
            return publication.drafts
        }
    }

    func latest(caID: String, kind: CRLKind) async throws -> PublishedCRL? {
        let query: PostgresQuery = """
            SELECT crl_number, base_crl_number, this_update, next_update, der FROM crls
            WHERE ca_id = \(caID) AND kind = \(kind.rawValue) ORDER BY crl_number DESC LIMIT 1
            """
        for try await (number, base, thisUpdate, nextUpdate, der) in try await client.timedQuery(query, logger: logger)
            .decode((Int64, Int64?, Date, Date, ByteBuffer).self) {
            return PublishedCRL(caID: caID, number: number, kind: kind, baseNumber: base, thisUpdate: thisUpdate, nextUpdate: nextUpdate, der: der.bytes)
        }
        return nil
    }

    func casNeedingCRLs() async throws -> [String] {
        let query: PostgresQuery = """
            SELECT a.id FROM certificate_authorities a
            LEFT JOIN crl_publication p ON p.ca_id = a.id LEFT JOIN crl_state s ON s.ca_id = a.id
            WHERE a.status = 'ACTIVE' AND a.key_uri IS NOT NULL
              AND (p.ca_id IS NULL OR p.full_due_at IS NULL OR p.full_due_at <= now() OR p.delta_due_at <= now()
                   OR COALESCE(s.revision, 0) > p.published_revision)
            ORDER BY a.id
            """
        var ids: [String] = []
        for try await id in try await client.timedQuery(query, logger: logger).decode(String.self) { ids.append(id) }
        return ids
    }
}

/// The publishing transaction's connection, for entries (row by row) and the decision.
private struct TransactionPublishing: CRLPublishing {
    let connection: PostgresConnection
    let caID: String
    let auditKey: AuditKey
    let logger: Logger

    func record(_ decision: DecisionRecord) async throws {
        try await connection.query(PostgresAuditLog.insertQuery([decision.auditRecord], key: auditKey), logger: logger)
    }

    /// One statement: the CA's revision and the entries come from the same snapshot (a CA
    /// without entries still yields one row, for the revision).
    func entries(_ selection: CRLEntrySelection, _ each: (CRLEntry) throws -> Void) async throws -> Int64 {
        let query: PostgresQuery = switch selection {
        case .revoked(let notExpiredAt, let excludingSerial):
            """
            SELECT s.revision, e.serial_number, e.status, e.revoked_at, e.revocation_reason, e.invalidity_date
            FROM (SELECT COALESCE((SELECT revision FROM crl_state WHERE ca_id = \(caID)), 0) AS revision) s
            LEFT JOIN LATERAL (
                SELECT serial_number, status, revoked_at, revocation_reason, invalidity_date FROM certificates
                WHERE issuer_ca_id = \(caID) AND status = 'REVOKED' AND not_after > \(notExpiredAt) AND serial_number <> \(excludingSerial)
            ) e ON true
            ORDER BY e.serial_number
            """
        case .changed(let sinceRevision):
            """
            SELECT s.revision, e.serial_number, e.status, e.revoked_at, e.revocation_reason, e.invalidity_date
            FROM (SELECT COALESCE((SELECT revision FROM crl_state WHERE ca_id = \(caID)), 0) AS revision) s
            LEFT JOIN LATERAL (
                SELECT serial_number, status, revoked_at, revocation_reason, invalidity_date FROM certificates
                WHERE issuer_ca_id = \(caID) AND revocation_seq > \(sinceRevision)
            ) e ON true
            ORDER BY e.serial_number
            """
        }
        var revision: Int64 = 0
        for try await (seen, serial, status, revokedAt, reason, invalidity) in try await connection.query(query, logger: logger)
            .decode((Int64, String?, String?, Date?, String?, Date?).self) {
            revision = seen
            guard let serial, let status else { continue }
            try each(CRLEntry(
                serialNumber: serial, revokedAt: revokedAt, reason: reason.flatMap { RevocationReason(name: $0) },
                invalidityDate: invalidity, removed: status != "REVOKED"
            ))
        }
        return revision
    }
}
