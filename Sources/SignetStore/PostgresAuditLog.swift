import Foundation
import Logging
import PostgresNIO
import SignetCore

/// Appends audit rows with their MAC. No lock, no ordering between writers: the sealer
/// links rows into the chain afterwards, so the audit log is never a serialization point.
struct PostgresAuditLog: AuditTrail, DecisionLog {
    let client: PostgresClient
    let key: AuditKey
    let logger: Logger
    private let writer: GroupCommit<AuditRecord>

    init(client: PostgresClient, key: AuditKey, logger: Logger) {
        self.client = client
        self.key = key
        self.logger = logger
        writer = GroupCommit { records in
            try await client.timedExecute(BatchInsert(records: records, key: key), logger: logger)
        }
    }

    func record(_ decision: DecisionRecord) async throws {
        try await append(decision.auditRecord)
    }

    func append(_ record: AuditRecord) async throws {
        try await writer.submit(record)
    }

    /// Appends audit records, one row or a group-commit batch, as one prepared statement.
    struct BatchInsert: PreparedWrite {
        static let sql = ArrayInsert.sql(
            into: "audit_log",
            columns: [
                ("id", "uuid"), ("recorded_at", "int8"), ("category", "text"), ("action", "text"), ("actor", "text"),
                ("target", "text"), ("outcome", "text"), ("profile_id", "text"), ("profile_version", "text"),
                ("request_fingerprint", "text"), ("failed_rule", "text"), ("serial_number", "text"), ("detail", "text"),
                ("record_mac", "text"),
            ],
            // From integer microseconds: exact, so the MAC matches what is read back.
            computed: ["recorded_at": "timestamptz 'epoch' + recorded_at * interval '1 microsecond'"]
        )
        let records: [AuditRecord]
        let key: AuditKey

        func makeBindings() throws -> PostgresBindings {
            var binds = PostgresBindings(capacity: 14)
            binds.append(records.map(\.id))
            binds.append(records.map(\.microseconds))
            binds.append(records.map(\.category.rawValue))
            binds.append(records.map(\.action))
            binds.append(records.map(\.actor))
            binds.append(records.map(\.target))
            binds.append(records.map(\.outcome))
            binds.append(NullableTextArray(elements: records.map(\.profileID)))
            binds.append(NullableTextArray(elements: records.map(\.profileVersion)))
            binds.append(NullableTextArray(elements: records.map(\.requestFingerprint)))
            binds.append(NullableTextArray(elements: records.map(\.failedRule)))
            binds.append(NullableTextArray(elements: records.map(\.serialNumber)))
            binds.append(records.map(\.detail))
            binds.append(records.map { key.recordMAC($0) })
            return binds
        }
    }
}
