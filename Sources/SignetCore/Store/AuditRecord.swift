import Foundation

/// One entry of the append-only audit trail: a gate decision or a state-changing API call.
public struct AuditRecord: Sendable, Hashable {
    public enum Category: String, Sendable { case decision = "DECISION", api = "API" }

    public let id: UUID
    /// Truncated to whole microseconds: the precision PostgreSQL keeps, so that the MAC
    /// computed before the insert matches the row read back.
    public let time: Date
    public let category: Category
    /// `ISSUE`, `CREATE_ROOT_CA`, … for decisions; `POST /api/ca/v1/profiles` for API calls.
    public let action: String
    public let actor: String
    /// What was acted on: a CA id, a profile id, a serial, a path.
    public let target: String
    /// `APPROVED`, `REFUSED`, `FAILED` for decisions; the HTTP status class for API calls.
    public let outcome: String
    public let profileID: String?
    public let profileVersion: String?
    public let requestFingerprint: String?
    public let failedRule: String?
    public let serialNumber: String?
    /// Canonical JSON (sorted keys) with the details: rules for decisions, status for calls.
    public let detail: String

    public init(id: UUID = UUID(), time: Date = Date(), category: Category, action: String, actor: String, target: String, outcome: String,
                profileID: String? = nil, profileVersion: String? = nil, requestFingerprint: String? = nil,
                failedRule: String? = nil, serialNumber: String? = nil, detail: String = "{}") {
        self.id = id
        self.time = Date(timeIntervalSince1970: (time.timeIntervalSince1970 * 1_000_000).rounded(.down) / 1_000_000)
        self.category = category
        self.action = action
        self.actor = actor
        self.target = target
        self.outcome = outcome
        self.profileID = profileID
        self.profileVersion = profileVersion
        self.requestFingerprint = requestFingerprint
        self.failedRule = failedRule
        self.serialNumber = serialNumber
        self.detail = detail
    }

    /// Microseconds since 1970, the form the MAC covers.
    public var microseconds: Int64 { Int64((time.timeIntervalSince1970 * 1_000_000).rounded()) }
}

extension DecisionRecord {
    /// The decision as an audit entry; its rules go into the detail.
    public var auditRecord: AuditRecord {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let rules = (try? encoder.encode(["rules": self.rules])).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        return AuditRecord(
            id: id, time: time, category: .decision, action: action.rawValue, actor: requester.name, target: caID,
            outcome: outcome.rawValue, profileID: profileID, profileVersion: profileVersion,
            requestFingerprint: requestFingerprint, failedRule: failedRule, serialNumber: serialNumber, detail: rules
        )
    }
}

/// Where audit entries go. Appending returns once the entry is committed.
public protocol AuditTrail: Sendable {
    func append(_ record: AuditRecord) async throws
}
