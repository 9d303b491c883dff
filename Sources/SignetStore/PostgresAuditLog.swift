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
    let writer: IssuanceWriter

    func record(_ decision: DecisionRecord) async throws {
        try await append(decision.auditRecord)
    }

    func append(_ record: AuditRecord) async throws {
        try await writer.write(.audit(record))
    }

    /// Appends audit records, one row or a group-commit batch, as one prepared statement.
    struct BatchInsert: PreparedWrite {
        static let columns: [(name: String, type: String)] = [
            ("id", "uuid"), ("recorded_at", "int8"), ("category", "text"), ("action", "text"), ("actor", "text"),
            ("target", "text"), ("outcome", "text"), ("profile_id", "text"), ("profile_version", "text"),
            ("request_fingerprint", "text"), ("failed_rule", "text"), ("serial_number", "text"), ("detail", "text"),
            ("record_mac", "text"),
        ]
        static let sql = ArrayInsert.sql(
            into: "audit_log",
            columns: columns,
            // From integer microseconds: exact, so the MAC matches what is read back.
            computed: ["recorded_at": "timestamptz 'epoch' + recorded_at * interval '1 microsecond'"]
        )
        let records: [AuditRecord]
        let key: AuditKey

        func makeBindings() throws -> PostgresBindings {
            var binds = PostgresBindings(capacity: Self.columns.count)
            Self.bind(records, key: key, to: &binds)
            return binds
        }

        static func bind(_ records: [AuditRecord], key: AuditKey, to binds: inout PostgresBindings) {
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
        }
    }
}
