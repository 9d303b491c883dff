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

    static let insert = MultiRowInsert(
        table: "audit_log",
        columns: ["id", "recorded_at", "category", "action", "actor", "target", "outcome", "profile_id", "profile_version",
                  "request_fingerprint", "failed_rule", "serial_number", "detail", "record_mac"],
        // From integer microseconds: exact, so the MAC matches what is read back.
        placeholder: ["recorded_at": { "(timestamptz 'epoch' + \($0)::bigint * interval '1 microsecond')" }]
    )

    /// The group-commit statement: one array per column, so the text never changes and
    /// PostgreSQL plans it once per connection however many rows a batch holds.
    struct BatchInsert: PreparedWrite {
        static let sql = "INSERT INTO audit_log (\(insert.columns.joined(separator: ", "))) SELECT id, "
            + "timestamptz 'epoch' + microseconds * interval '1 microsecond', category, action, actor, target, outcome, profile_id, "
            + "profile_version, request_fingerprint, failed_rule, serial_number, detail, record_mac FROM unnest("
            + "$1::uuid[], $2::int8[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], "
            + "$10::text[], $11::text[], $12::text[], $13::text[], $14::text[]) AS r(id, microseconds, category, action, actor, "
            + "target, outcome, profile_id, profile_version, request_fingerprint, failed_rule, serial_number, detail, record_mac)"
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

    static func insertQuery(_ records: [AuditRecord], key: AuditKey) -> PostgresQuery {
        insert.query(records) { r, binds in
            binds.append(r.id)
            binds.append(r.microseconds)
            binds.append(r.category.rawValue)
            binds.append(r.action)
            binds.append(r.actor)
            binds.append(r.target)
            binds.append(r.outcome)
            binds.append(r.profileID)
            binds.append(r.profileVersion)
            binds.append(r.requestFingerprint)
            binds.append(r.failedRule)
            binds.append(r.serialNumber)
            binds.append(r.detail)
            binds.append(key.recordMAC(r))
        }
    }
}
