import Logging
import PostgresNIO
import SignetCore

/// The one durable write path of issuance: audit rows (the gate's approvals, refusals and
/// the API calls) and certificates, group-committed together.
///
/// An issuance makes two durable writes in order, its approval before the token signs and
/// its certificate after. Under load, the approvals of some issuances and the certificates
/// of others arrive together; one statement (and so one transaction and one WAL flush)
/// commits both kinds, where two writers committed each kind on its own.
struct IssuanceWriter: Sendable {
    enum Row: Sendable {
        case audit(AuditRecord)
        case certificate(CertificateRecord)
    }

    private let group: GroupCommit<Row>

    init(client: PostgresClient, key: AuditKey, logger: Logger) {
        group = GroupCommit(committed: { row, error in
            // Only a retry that collided with its own key can have been written: any other
            // failure (the database down, say) is its caller's without another round trip.
            guard (error as? PSQLError)?.serverInfo?[.sqlState] == "23505" else { return false }
            // The same row, not merely its key: a certificate under its own approval.
            let query: PostgresQuery
            switch row {
            case .audit(let record): query = "SELECT 1 FROM audit_log WHERE id = \(record.id)"
            case .certificate(let record):
                query = "SELECT 1 FROM certificates WHERE serial_number = \(record.serialNumber) AND decision_id = \(record.decisionID)"
            }
            for try await _ in try await client.timedQuery(query, logger: logger) { return true }
            return false
        }) { rows in
            var audit: [AuditRecord] = [], certificates: [CertificateRecord] = []
            for row in rows {
                switch row {
                case .audit(let record): audit.append(record)
                case .certificate(let record): certificates.append(record)
                }
            }
            try await client.committedExecute(CombinedInsert(audit: audit, certificates: certificates, key: key), logger: logger)
        }
    }

    /// Returns once the row is committed (with whatever else arrived beside it).
    func write(_ row: Row) async throws {
        try await group.submit(row)
    }

    /// Both inserts in one statement: a data-modifying WITH runs whether or not the main
    /// query reads it, and an empty array inserts nothing.
    struct CombinedInsert: PreparedWrite {
        static let sql = "WITH audit AS (\(PostgresAuditLog.BatchInsert.sql)) "
            + ArrayInsert.sql(into: "certificates", columns: PostgresCertificateStore.BatchInsert.columns, firstParameter: PostgresAuditLog.BatchInsert.columns.count + 1)
        let audit: [AuditRecord]
        let certificates: [CertificateRecord]
        let key: AuditKey

        func makeBindings() throws -> PostgresBindings {
            var binds = PostgresBindings(capacity: PostgresAuditLog.BatchInsert.columns.count + PostgresCertificateStore.BatchInsert.columns.count)
            PostgresAuditLog.BatchInsert.bind(audit, key: key, to: &binds)
            PostgresCertificateStore.BatchInsert.bind(certificates, to: &binds)
            return binds
        }
    }
}
