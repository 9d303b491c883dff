import Foundation
import Logging
import PostgresNIO
import SignetCore

/// CRL numbering and storage. A publication is one repeatable-read transaction that first
/// locks the CA's `crl_publication` row: every read shares one snapshot, taken before the
/// lock wait, so a publisher that waited on another fails with a serialization error and
/// starts again on a snapshot that includes the other's CRL. Numbers are never reused, a
/// higher number always covers at least as much, and revocations (which touch only
/// `crl_state` and add to `crl_revisions`) never wait for a publication.
struct PostgresCRLStore: CRLStore {
    let client: PostgresClient
    let auditKey: AuditKey
    let logger: Logger

    /// A CRL of hundreds of thousands of entries takes seconds, not the 5 s request deadline.
    static let publicationDeadline: Duration = .seconds(600)
    static let attempts = 5
    /// CRLs of each kind whose bytes are kept.
    static let keptPerKind = 2

    func publish(caID: String, _ build: @escaping @Sendable (CRLState, any CRLPublishing) async throws -> CRLPublication?) async throws -> [CRLDraft] {
        try await client.committedQuery("INSERT INTO crl_publication (ca_id) VALUES (\(caID)) ON CONFLICT (ca_id) DO NOTHING", logger: logger)
        for attempt in 1...Self.attempts {
            do {
                return try await withDeadline(Self.publicationDeadline) {
                    try await PoolUsage.lease(client) { connection in
                        try await Self.inRepeatableRead(connection, logger: logger) {
                            try await publish(caID: caID, on: connection, build)
                        }
                    }
                }
            } catch let error as PSQLError where error.serverInfo?[.sqlState] == "40001" && attempt < Self.attempts {
                logger.debug("CRL publication met another; starting again", metadata: ["ca": "\(caID)"])
            }
        }
        return []
    }

    private func publish(caID: String, on connection: PostgresConnection, _ build: @Sendable (CRLState, any CRLPublishing) async throws -> CRLPublication?) async throws -> [CRLDraft] {
        let current: PostgresQuery = """
            SELECT COALESCE(s.revision, 0), p.crl_number, p.published_revision, p.full_number, p.full_revision, p.full_due_at, p.delta_due_at
            FROM crl_publication p LEFT JOIN crl_state s ON s.ca_id = p.ca_id WHERE p.ca_id = \(caID) FOR UPDATE OF p
            """
        var read: CRLState?
        for try await (revision, number, published, fullNumber, fullRevision, fullDue, deltaDue) in try await connection.fetch(current, logger: logger)
            .decode((Int64, Int64, Int64, Int64?, Int64?, Date?, Date?).self) {
            read = CRLState(revision: revision, lastNumber: number, publishedRevision: published, fullNumber: fullNumber,
                            fullRevision: fullRevision, fullDueAt: fullDue, deltaDueAt: deltaDue)
        }
        guard let read else { throw StoreError.corruptRow("crl_publication for \(caID) is missing") }
        // In the same snapshot: the changes up to `revision` that the last full CRL lacks.
        let waiting: PostgresQuery = """
            SELECT EXTRACT(EPOCH FROM statement_timestamp() - min(changed_at))::float8, EXTRACT(EPOCH FROM statement_timestamp() - max(changed_at))::float8
            FROM crl_revisions WHERE ca_id = \(caID) AND revision > \(read.fullRevision ?? -1) AND revision <= \(read.revision)
            """
        var state = read
        for try await (oldest, newest) in try await connection.fetch(waiting, logger: logger).decode((Double?, Double?).self) {
            state = CRLState(revision: read.revision, lastNumber: read.lastNumber, publishedRevision: read.publishedRevision, fullNumber: read.fullNumber,
                             fullRevision: read.fullRevision, fullDueAt: read.fullDueAt, deltaDueAt: read.deltaDueAt,
                             oldestUnlistedChangeAge: oldest, newestUnlistedChangeAge: newest)
        }
        guard let publication = try await build(state, TransactionPublishing(connection: connection, caID: caID, auditKey: auditKey, logger: logger)) else { return [] }
        var full: CRLDraft?
        for draft in publication.drafts {
            if draft.kind == .full { full = draft }
            try await connection.fetch(
                """
                INSERT INTO crls (ca_id, crl_number, kind, base_crl_number, revision, this_update, next_update, entries, decision_id, size)
                VALUES (\(caID), \(draft.number), \(draft.kind.rawValue), \(draft.baseNumber), \(draft.revision), \(draft.thisUpdate),
                        \(draft.nextUpdate), \(draft.entries), \(draft.decisionID), \(draft.size))
                """,
                logger: logger
            )
        }
        guard let last = publication.drafts.max(by: { $0.number < $1.number }) else { return [] }
        // Only the latest CRL of each kind is served; the one before stays for a client that
        // is mid-download. Older ones keep their row (number, revision, decision), not their bytes.
        try await connection.fetch(
            """
            DELETE FROM crl_chunks k USING crls c
            WHERE k.ca_id = \(caID) AND c.ca_id = k.ca_id AND c.crl_number = k.crl_number
              AND c.crl_number < (SELECT min(n) FROM (SELECT crl_number AS n FROM crls WHERE ca_id = \(caID) AND kind = c.kind
                                                     ORDER BY crl_number DESC LIMIT \(Self.keptPerKind)) newest)
            """,
            logger: logger
        )
        if let full {
            // Revocations only ever insert newer revisions here, so this deletes under no one.
            try await connection.fetch("DELETE FROM crl_revisions WHERE ca_id = \(caID) AND revision <= \(full.revision)", logger: logger)
        }
        try await connection.fetch(
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

    /// BEGIN ISOLATION LEVEL REPEATABLE READ … COMMIT, rolled back if `body` throws.
    static func inRepeatableRead<T>(_ connection: PostgresConnection, logger: Logger, _ body: () async throws -> T) async throws -> T {
        try await connection.fetch("BEGIN ISOLATION LEVEL REPEATABLE READ", logger: logger)
        do {
            let result = try await body()
            try await connection.fetch("COMMIT", logger: logger)
            return result
        } catch {
            _ = try? await connection.fetch("ROLLBACK", logger: logger)
            throw error
        }
    }

    func latest(caID: String, kind: CRLKind) async throws -> PublishedCRL? {
        let query: PostgresQuery = """
            SELECT crl_number, base_crl_number, this_update, next_update, size FROM crls
            WHERE ca_id = \(caID) AND kind = \(kind.rawValue) ORDER BY crl_number DESC LIMIT 1
            """
        for try await (number, base, thisUpdate, nextUpdate, size) in try await client.timedQuery(query, logger: logger)
            .decode((Int64, Int64?, Date, Date, Int).self) {
            return PublishedCRL(caID: caID, number: number, kind: kind, baseNumber: base, thisUpdate: thisUpdate, nextUpdate: nextUpdate, size: size)
        }
        return nil
    }

    func chunk(caID: String, number: Int64, sequence: Int) async throws -> [UInt8]? {
        let query: PostgresQuery = "SELECT bytes FROM crl_chunks WHERE ca_id = \(caID) AND crl_number = \(number) AND sequence = \(sequence)"
        for try await bytes in try await client.timedQuery(query, logger: logger).decode(ByteBuffer.self) { return bytes.bytes }
        return nil
    }

    func casNeedingCRLs(_ settings: RevocationSettings) async throws -> [String] {
        let query: PostgresQuery = """
            SELECT a.id FROM certificate_authorities a
            LEFT JOIN crl_publication p ON p.ca_id = a.id LEFT JOIN crl_state s ON s.ca_id = a.id
            WHERE a.key_uri IS NOT NULL
              -- A revoked or retired CA publishes until the certificates it issued expire (RFC 5280 §3.3).
              AND (a.status = 'ACTIVE' OR EXISTS (
                  SELECT 1 FROM certificates c WHERE c.issuer_ca_id = a.id AND c.not_after > now() AND c.der <> a.certificate))
              AND (p.ca_id IS NULL OR p.full_due_at IS NULL OR p.full_due_at <= now() OR p.delta_due_at <= now()
                   OR COALESCE(s.revision, 0) > p.published_revision
                   -- RevocationSettings.fullCRLDue, by the database's clock.
                   OR EXISTS (SELECT 1 FROM crl_revisions r WHERE r.ca_id = a.id AND r.revision > COALESCE(p.full_revision, -1)
                              HAVING max(r.changed_at) <= now() - make_interval(secs => \(settings.fullCRLDebounce))
                                  OR min(r.changed_at) <= now() - make_interval(secs => \(settings.fullCRLStartBy))))
            ORDER BY a.id
            """
        var ids: [String] = []
        for try await id in try await client.timedQuery(query, logger: logger).decode(String.self) { ids.append(id) }
        return ids
    }
}

/// The publishing transaction's connection: entries a page at a time, the decision, chunks.
private struct TransactionPublishing: CRLPublishing {
    let connection: PostgresConnection
    let caID: String
    let auditKey: AuditKey
    let logger: Logger

    func record(_ decision: DecisionRecord) async throws {
        _ = try await connection.rows(PostgresAuditLog.BatchInsert(records: [decision.auditRecord], key: auditKey), small: true, logger: logger)
    }

    func writeChunk(crlNumber: Int64, sequence: Int, bytes: [UInt8]) async throws {
        try await connection.fetch(
            "INSERT INTO crl_chunks (ca_id, crl_number, sequence, bytes) VALUES (\(caID), \(crlNumber), \(sequence), \(ByteBuffer(bytes: bytes)))",
            logger: logger
        )
    }

    func readChunk(crlNumber: Int64, sequence: Int) async throws -> [UInt8] {
        let query: PostgresQuery = "SELECT bytes FROM crl_chunks WHERE ca_id = \(caID) AND crl_number = \(crlNumber) AND sequence = \(sequence)"
        for try await bytes in try await connection.fetch(query, logger: logger).decode(ByteBuffer.self) { return bytes.bytes }
        throw StoreError.corruptRow("CRL \(crlNumber) of \(caID) has no chunk \(sequence)")
    }

    func entries(_ selection: CRLEntrySelection, after serial: String?, limit: Int) async throws -> [CRLEntry] {
        let after = serial ?? ""
        let query: PostgresQuery = switch selection {
        case .revoked(let notExpiredAt, let excludingSerial):
            """
            SELECT serial_number, status, revoked_at, revocation_reason, invalidity_date FROM certificates
            WHERE issuer_ca_id = \(caID) AND status = 'REVOKED' AND not_after > \(notExpiredAt) AND serial_number <> \(excludingSerial)
              AND serial_number > \(after)
            ORDER BY serial_number LIMIT \(limit)
            """
        case .changed(let sinceRevision):
            """
            SELECT serial_number, status, revoked_at, revocation_reason, invalidity_date FROM certificates
            WHERE issuer_ca_id = \(caID) AND revocation_seq > \(sinceRevision) AND serial_number > \(after)
            ORDER BY serial_number LIMIT \(limit)
            """
        }
        var entries: [CRLEntry] = []
        entries.reserveCapacity(limit)
        for try await (serial, status, revokedAt, reason, invalidity) in try await connection.fetch(query, logger: logger)
            .decode((String, String, Date?, String?, Date?).self) {
            entries.append(CRLEntry(
                serialNumber: serial, revokedAt: revokedAt, reason: reason.flatMap { RevocationReason(name: $0) },
                invalidityDate: invalidity, removed: status != "REVOKED"
            ))
        }
        return entries
    }
}
