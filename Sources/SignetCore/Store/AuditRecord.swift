import Foundation

/// One entry of the append-only audit trail: a gate decision or a state-changing API call.
public struct AuditRecord: Sendable, Hashable {
    public enum Category: String, Sendable { case decision = "DECISION", api = "API" }

    public let id: UUID
    /// Whole microseconds since 1970: the precision PostgreSQL keeps. Kept as an integer
    /// so that the MAC computed before the insert matches the row read back exactly.
    public let microseconds: Int64
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

    public init(id: UUID = TimeOrdered.uuid(), time: Date = Date(), category: Category, action: String, actor: String, target: String, outcome: String,
                profileID: String? = nil, profileVersion: String? = nil, requestFingerprint: String? = nil,
                failedRule: String? = nil, serialNumber: String? = nil, detail: String = "{}") {
        self.init(
            id: id, microseconds: Int64((time.timeIntervalSince1970 * 1_000_000).rounded(.down)), category: category, action: action,
            actor: actor, target: target, outcome: outcome, profileID: profileID, profileVersion: profileVersion,
            requestFingerprint: requestFingerprint, failedRule: failedRule, serialNumber: serialNumber, detail: detail
        )
    }

    public init(id: UUID, microseconds: Int64, category: Category, action: String, actor: String, target: String, outcome: String,
                profileID: String? = nil, profileVersion: String? = nil, requestFingerprint: String? = nil,
                failedRule: String? = nil, serialNumber: String? = nil, detail: String = "{}") {
        self.id = id
        self.microseconds = microseconds
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

    public var time: Date { Date(timeIntervalSince1970: Double(microseconds) / 1_000_000) }
}

extension DecisionRecord {
    /// The decision as an audit entry; its rules go into the detail.
    public var auditRecord: AuditRecord {
        // Written by hand: JSONEncoder is slow on Linux and this runs for every decision.
        // Same text JSONEncoder with sorted keys would produce.
        let items = self.rules.map { #"{"detail":\#(jsonString($0.detail)),"passed":\#($0.passed),"rule":\#(jsonString($0.rule))}"# }
        let rules = #"{"rules":["# + items.joined(separator: ",") + "]}"
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

/// A JSON string literal for `text`, escaped per RFC 8259.
func jsonString(_ text: String) -> String {
    // Most rule details need no escape: one pass over the UTF-8 finds out.
    if !text.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
        return "\"" + text + "\""
    }
    var out = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case _ where scalar.value < 0x20:
            let hex = String(scalar.value, radix: 16)
            out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out + "\""
}
