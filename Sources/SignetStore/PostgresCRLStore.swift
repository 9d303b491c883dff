import Foundation
import Logging
import PostgresNIO
import SignetCore

/// CRL numbering and storage. `publish` holds the CA's `crl_state` row for the whole
/// build: revocations of that CA wait (briefly) and other publishers take their turn.
struct PostgresCRLStore: CRLStore {
    let client: PostgresClient
    let auditKey: AuditKey
    let logger: Logger

    func publish(caID: String, _ build: @escaping @Sendable (CRLState, any CRLPublishing) async throws -> CRLPublication?) async throws -> [CRLDraft] {
        try await client.transaction(logger: logger) { connection in
            try await connection.query("INSERT INTO crl_state (ca_id) VALUES (\(caID)) ON CONFLICT (ca_id) DO NOTHING", logger: logger)
            var state: CRLState?
            let locked: PostgresQuery = """
                SELECT revision, crl_number, published_revision, full_number, full_revision, full_due_at, delta_due_at
                FROM crl_state WHERE ca_id = \(caID) FOR UPDATE
                """
            for try await (revision, number, published, fullNumber, fullRevision, fullDue, deltaDue) in try await connection.query(locked, logger: logger)
                .decode((Int64, Int64, Int64, Int64?, Int64?, Date?, Date?).self) {
                state = CRLState(revision: revision, lastNumber: number, publishedRevision: published, fullNumber: fullNumber,
                                 fullRevision: fullRevision, fullDueAt: fullDue, deltaDueAt: deltaDue)
            }
            guard let state else { throw StoreError.corruptRow("crl_state for \(caID) vanished") }
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
            let last = publication.drafts.map(\.number).max() ?? state.lastNumber
            try await connection.query(
                """
                UPDATE crl_state SET crl_number = \(last), published_revision = \(state.revision),
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
            SELECT a.id FROM certificate_authorities a LEFT JOIN crl_state s ON s.ca_id = a.id
            WHERE a.status = 'ACTIVE' AND a.key_uri IS NOT NULL
              AND (s.ca_id IS NULL OR s.full_due_at IS NULL OR s.full_due_at <= now() OR s.delta_due_at <= now()
                   OR s.revision > s.published_revision)
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

    func entries(_ selection: CRLEntrySelection, _ each: (CRLEntry) throws -> Void) async throws {
        let query: PostgresQuery = switch selection {
        case .revoked(let notExpiredAt, let excludingSerial):
            """
            SELECT serial_number, status, revoked_at, revocation_reason, invalidity_date FROM certificates
            WHERE issuer_ca_id = \(caID) AND status = 'REVOKED' AND not_after > \(notExpiredAt) AND serial_number <> \(excludingSerial)
            ORDER BY serial_number
            """
        case .changed(let sinceRevision):
            """
            SELECT serial_number, status, revoked_at, revocation_reason, invalidity_date FROM certificates
            WHERE issuer_ca_id = \(caID) AND revocation_seq > \(sinceRevision)
            ORDER BY serial_number
            """
        }
        for try await (serial, status, revokedAt, reason, invalidity) in try await connection.query(query, logger: logger)
            .decode((String, String, Date?, String?, Date?).self) {
            let removed = status != "REVOKED"
            try each(CRLEntry(
                serialNumber: serial, revokedAt: revokedAt, reason: reason.flatMap { RevocationReason(name: $0) },
                invalidityDate: invalidity, removed: removed
            ))
        }
    }
}
