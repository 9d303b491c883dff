import Foundation

/// What is known about a decision while the gate is still checking.
struct DecisionDraft {
    let action: DecisionRecord.Action
    let caID: String
    let requester: Requester
    var profile: StoredProfile?
    var requestFingerprint: String?

    init(action: DecisionRecord.Action, caID: String, requester: Requester) {
        self.action = action
        self.caID = caID
        self.requester = requester
    }

    func record(_ outcome: DecisionRecord.Outcome, rules: [RuleOutcome], failedRule: String? = nil, serialNumber: String? = nil) -> DecisionRecord {
        DecisionRecord(
            id: UUID(),
            time: Date(),
            action: action,
            caID: caID,
            profileID: profile?.profile.id,
            profileVersion: profile?.version,
            requester: requester,
            requestFingerprint: requestFingerprint,
            rules: rules,
            outcome: outcome,
            failedRule: failedRule,
            serialNumber: serialNumber
        )
    }
}
