import Foundation
import Logging
import PostgresNIO
import SignetCore

/// Revocation changes. Each runs in one transaction holding the certificate's row lock and
/// its issuer's `crl_state` row, whose `revision` it bumps (and notes in `crl_revisions`);
/// CRL publication takes the same row, so every CRL covers whole changes in commit order.
struct PostgresRevocationStore: RevocationStore {
    let client: PostgresClient
    let logger: Logger

    func changeRevocation(serialNumber: String, _ decide: @escaping @Sendable (RevocationState) throws -> RevocationState) async throws -> RevocationState? {
        try await client.transaction(logger: logger) { connection in
            let query: PostgresQuery = """
                SELECT c.serial_number, c.issuer_ca_id, c.status, c.revocation_reason, c.revoked_at, c.invalidity_date,
                       (SELECT a.id FROM certificate_authorities a WHERE a.certificate = c.der LIMIT 1)
                FROM certificates c WHERE c.serial_number = \(serialNumber) FOR UPDATE OF c
                """
            var current: RevocationState?
            for try await (serial, issuer, status, reason, revokedAt, invalidity, certifiesCA) in try await connection.fetch(query, logger: logger)
                .decode((String, String, String, String?, Date?, Date?, String?).self) {
                current = RevocationState(
                    serialNumber: serial, issuerCAID: issuer, isRevoked: status == "REVOKED",
                    reason: reason.flatMap { RevocationReason(name: $0) }, revokedAt: revokedAt, invalidityDate: invalidity, certifiesCA: certifiesCA
                )
            }
            guard let current else { return nil }
            let next = try decide(current)
            let revision = try await Self.bumpRevision(caID: current.issuerCAID, connection: connection, logger: logger)
            try await connection.fetch(
                """
                UPDATE certificates SET status = \(next.isRevoked ? "REVOKED" : "ACTIVE"), revocation_reason = \(next.reason?.name),
                    revoked_at = \(next.revokedAt), invalidity_date = \(next.invalidityDate), revocation_seq = \(revision)
                WHERE serial_number = \(serialNumber)
                """,
                logger: logger
            )
            return next
        }
    }

    func revokeCA(id: String, reason: RevocationReason, at time: Date, check: @escaping @Sendable (CARecord.Status) throws -> Void) async throws -> CARevocationOutcome? {
        try await client.transaction(logger: logger) { connection in
            var status: String?
            var parent: String?
            for try await (found, parentID) in try await connection.fetch(
                "SELECT status, parent_id FROM certificate_authorities WHERE id = \(id) FOR UPDATE", logger: logger
            ).decode((String, String?).self) {
                status = found
                parent = parentID
            }
            guard let status else { return nil }
            try check(CARecord.Status(rawValue: status) ?? .deleted)
            var tree: [String] = []
            let descendants: PostgresQuery = """
                WITH RECURSIVE tree(id) AS (
                    SELECT \(id)::text
                    UNION SELECT a.id FROM certificate_authorities a JOIN tree t ON a.parent_id = t.id
                )
                SELECT id FROM tree ORDER BY id
                """
            for try await caID in try await connection.fetch(descendants, logger: logger).decode(String.self) { tree.append(caID) }
            // Row locks in id order, the order in which a certificate batch share-locks its CAs.
            try await connection.fetch(
                """
                UPDATE certificate_authorities SET status = 'REVOKED' WHERE id IN (
                    SELECT id FROM certificate_authorities WHERE id = ANY(\(tree)) AND status = 'ACTIVE' ORDER BY id COLLATE "C" FOR NO KEY UPDATE
                )
                """,
                logger: logger
            )

            var revoked = 0
            // The CA's own certificate, on its issuer's CRL (a root's is its own).
            let ownIssuer = parent ?? id
            let ownRevision = try await Self.bumpRevision(caID: ownIssuer, connection: connection, logger: logger)
            for try await count in try await connection.fetch(
                """
                WITH changed AS (
                    UPDATE certificates c SET status = 'REVOKED', revocation_reason = \(reason.name), revoked_at = \(time), revocation_seq = \(ownRevision)
                    FROM certificate_authorities a
                    WHERE a.id = \(id) AND c.der = a.certificate AND c.issuer_ca_id = \(ownIssuer) AND c.status = 'ACTIVE'
                    RETURNING 1
                ) SELECT count(*) FROM changed
                """,
                logger: logger
            ).decode(Int.self) { revoked += count }
            // Everything the CAs in the tree issued, subordinate CA certificates included.
            for caID in tree {
                let revision = try await Self.bumpRevision(caID: caID, connection: connection, logger: logger)
                for try await count in try await connection.fetch(
                    """
                    WITH changed AS (
                        UPDATE certificates SET status = 'REVOKED', revocation_reason = 'CessationOfOperation', revoked_at = \(time), revocation_seq = \(revision)
                        WHERE issuer_ca_id = \(caID) AND status = 'ACTIVE'
                        RETURNING 1
                    ) SELECT count(*) FROM changed
                    """,
                    logger: logger
                ).decode(Int.self) { revoked += count }
            }
            return CARevocationOutcome(revokedCAs: tree, revokedCertificates: revoked)
        }
    }

    /// Takes the CA's revocation row lock and returns its new revision, noting when it was
    /// made (`crl_revisions`: a full CRL follows within a bound). The time is read once the
    /// lock is held, so later revisions never carry earlier times.
    static func bumpRevision(caID: String, connection: PostgresConnection, logger: Logger) async throws -> Int64 {
        let query: PostgresQuery = """
            WITH bumped AS (
                INSERT INTO crl_state (ca_id, revision) VALUES (\(caID), 1)
                ON CONFLICT (ca_id) DO UPDATE SET revision = crl_state.revision + 1
                RETURNING ca_id, revision
            )
            INSERT INTO crl_revisions (ca_id, revision, changed_at) SELECT ca_id, revision, clock_timestamp() FROM bumped
            RETURNING revision
            """
        for try await revision in try await connection.fetch(query, logger: logger).decode(Int64.self) { return revision }
        throw StoreError.corruptRow("crl_state for \(caID) returned no revision")
    }
}
