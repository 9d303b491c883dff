import Logging
import PostgresNIO
import SignetCore

/// The one durable write path of issuance: audit rows (the gate's approvals, refusals and
/// the API calls) and certificates with their first OCSP responses, group-committed together.
///
/// An issuance makes two durable writes in order, its approval before the token signs and
/// its certificate after. Under load, the approvals of some issuances and the certificates
/// of others arrive together; one statement (and so one transaction and one WAL flush)
/// commits both kinds, where two writers committed each kind on its own.
struct IssuanceWriter: Sendable {
    enum Row: Sendable {
        case audit(AuditRecord)
        /// A certificate, and the OCSP response signed with it (committed with it or not at all).
        case certificate(CertificateRecord, StoredOCSPResponse?)
    }

    private let group: GroupCommit<Row>

    init(client: PostgresClient, key: AuditKey, logger: Logger) {
        group = GroupCommit(writer: "issuance", committed: { row, error in
            // Only a retry that collided with its own key can have been written: any other
            // failure (the database down, say) is its caller's without another round trip.
            guard (error as? PSQLError)?.serverInfo?[.sqlState] == "23505" else { return false }
            // The same row, not merely its key: a certificate under its own approval.
            let query: PostgresQuery
            switch row {
            case .audit(let record): query = "SELECT 1 FROM audit_log WHERE id = \(record.id)"
            case .certificate(let record, _):
                query = "SELECT 1 FROM certificates WHERE serial_number = \(record.serialNumber) AND decision_id = \(record.decisionID)"
            }
            for try await _ in try await client.timedQuery(query, logger: logger) { return true }
            return false
        }) { rows in
            var audit: [AuditRecord] = [], certificates: [CertificateRecord] = [], responses: [StoredOCSPResponse] = []
            for row in rows {
                switch row {
                case .audit(let record): audit.append(record)
                case .certificate(let record, let response):
                    certificates.append(record)
                    if let response { responses.append(response) }
                }
            }
            // The insert share-locks each certificate's CA row in row order; a revocation locks
            // the rows of a CA tree in id order. The same order on both sides keeps a batch
            // with several CAs of one tree from deadlocking with the tree's revocation.
            certificates.sort { $0.issuerCAID.utf8.lexicographicallyPrecedes($1.issuerCAID.utf8) }
            try await client.committedExecute(CombinedInsert(audit: audit, certificates: certificates, responses: responses, key: key), logger: logger)
        }
    }

    /// Returns once the row is committed (with whatever else arrived beside it).
    func write(_ row: Row) async throws {
        try await group.submit(row)
    }

    /// The three inserts in one statement: a data-modifying WITH runs whether or not the
    /// main query reads it, and an empty array inserts nothing. A response's certificate is
    /// new in the same statement, so no response can be there already but one this very
    /// write committed before its caller saw the answer (a retry): that one is kept.
    struct CombinedInsert: PreparedWrite {
        static let responseColumns: [(name: String, type: String)] = [
            ("issuer_ca_id", "text"), ("serial_number", "text"), ("hash_algorithm", "text"), ("revision", "int8"),
            ("responder", "text"), ("produced_at", "timestamptz"), ("next_update", "timestamptz"), ("der", "bytea"),
        ]
        static let sql = {
            let audit = PostgresAuditLog.BatchInsert.columns.count, certificates = PostgresCertificateStore.BatchInsert.columns
            return "WITH audit AS (\(PostgresAuditLog.BatchInsert.sql)), "
                + "certificate AS (\(ArrayInsert.sql(into: "certificates", columns: certificates, computed: ["issuer_ca_id": issuerIfActive], firstParameter: audit + 1))) "
                + ArrayInsert.sql(into: "ocsp_responses", columns: responseColumns, firstParameter: audit + certificates.count + 1)
                + " ON CONFLICT DO NOTHING"
        }()
        /// A certificate's issuer, read under a share lock: a CA that is not active (revoked
        /// since the gate checked it) fails the statement (SQLSTATE `SN001`, see migration
        /// 0015); a missing one is NULL and fails it too. A revocation waiting on the lock
        /// revokes the certificate once it is committed.
        static let issuerIfActive = """
            (SELECT CASE WHEN a.status = 'ACTIVE' THEN a.id ELSE signet_issuer_not_active(a.id, a.status) END
             FROM certificate_authorities a WHERE a.id = r.issuer_ca_id FOR SHARE)
            """
        let audit: [AuditRecord]
        let certificates: [CertificateRecord]
        let responses: [StoredOCSPResponse]
        let key: AuditKey

        func makeBindings() throws -> PostgresBindings {
            var binds = PostgresBindings(
                capacity: PostgresAuditLog.BatchInsert.columns.count + PostgresCertificateStore.BatchInsert.columns.count + Self.responseColumns.count
            )
            PostgresAuditLog.BatchInsert.bind(audit, key: key, to: &binds)
            PostgresCertificateStore.BatchInsert.bind(certificates, to: &binds)
            binds.append(responses.map(\.issuerCAID))
            binds.append(responses.map(\.serialNumber))
            binds.append(responses.map(\.hashAlgorithm.rawValue))
            binds.append(responses.map(\.revision))
            binds.append(responses.map(\.responder))
            binds.append(responses.map(\.producedAt))
            binds.append(responses.map(\.nextUpdate))
            binds.append(responses.map { ByteBuffer(bytes: $0.der) })
            return binds
        }
    }
}
