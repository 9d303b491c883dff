import Foundation
import PostgresNIO
import SignetCore
import SignetQuery

/// An audit entry as the API lists it.
public struct AuditEntry: Sendable, Encodable {
    /// Lowercase UUID, as in the `Signet-Decision` header.
    public let id: String
    public let recordedAt: Date
    public let category: String
    public let action: String
    public let actor: String
    public let target: String
    public let outcome: String
    public let profileID: String?
    public let profileVersion: String?
    public let failedRule: String?
    public let serialNumber: String?
    public let detail: JSONValue
    public let chainSeq: Int64?

    enum CodingKeys: String, CodingKey {
        case id, category, action, actor, target, outcome, detail
        case recordedAt = "recorded_at", profileID = "profile_id", profileVersion = "profile_version"
        case failedRule = "failed_rule", serialNumber = "serial_number", chainSeq = "chain_seq"
    }
}

extension Catalog {
    public func audit(_ request: ListRequest) async throws -> Page<AuditEntry> {
        try await lists.page(
            request, schema: Schemas.audit,
            columns: "l.id, l.recorded_at, l.category, l.action, l.actor, l.target, l.outcome, l.profile_id, l.profile_version, l.failed_rule, l.serial_number, l.detail, l.chain_seq",
            from: "audit_log l",
            id: { $0.id },
            decode: { c in
                AuditEntry(
                    id: try c.value(0, as: UUID.self).uuidString.lowercased(), recordedAt: try c.value(1), category: try c.value(2), action: try c.value(3), actor: try c.value(4),
                    target: try c.value(5), outcome: try c.value(6), profileID: try c.value(7), profileVersion: try c.value(8),
                    failedRule: try c.value(9), serialNumber: try c.value(10), detail: Catalog.metadata(try c.value(11)), chainSeq: try c.value(12)
                )
            }
        )
    }
}

extension Catalog {
    /// Issuance decisions recorded in the last hour, by outcome (`APPROVED`, `REFUSED`,
    /// `FAILED`), through the recorded_at index.
    public func issuanceOutcomesLastHour() async throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for try await (outcome, count) in try await client.timedQuery("""
            SELECT outcome, count(*)::int8 FROM audit_log
            WHERE recorded_at > now() - interval '1 hour' AND category = 'DECISION' AND action = 'ISSUE'
            GROUP BY outcome
            """, logger: logger).decode((String, Int).self) {
            counts[outcome] = count
        }
        return counts
    }
}
