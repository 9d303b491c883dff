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
            try await client.timedQuery(Self.insertQuery(records, key: key), logger: logger)
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
