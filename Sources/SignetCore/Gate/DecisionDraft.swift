import Foundation

/// What is known about a decision while the gate is still checking.
struct DecisionDraft: Sendable {
    let action: DecisionRecord.Action
    var caID: String
    let requester: Requester
    var profile: StoredProfile?
    /// What governs a decision that no issuance profile does (CRL and OCSP settings).
    var policy: (id: String, version: String)?
    var requestFingerprint: String?
    /// The certificate a refusal was about (revocation), when no serial is reserved.
    var serialNumber: String?

    init(action: DecisionRecord.Action, caID: String, requester: Requester) {
        self.action = action
        self.caID = caID
        self.requester = requester
    }

    /// `id` is given when the decision's id must be known before the decision is made (a
    /// certificate's, recorded from inside the signing key once its TBS is linted).
    func record(_ outcome: DecisionRecord.Outcome, rules: [RuleOutcome], failedRule: String? = nil, serialNumber: String? = nil, id: UUID = TimeOrdered.uuid()) -> DecisionRecord {
        DecisionRecord(
            id: id,
            time: Date(),
            action: action,
            caID: caID,
            profileID: profile?.profile.id ?? policy?.id,
            profileVersion: profile?.version ?? policy?.version,
            requester: requester,
            requestFingerprint: requestFingerprint,
            rules: rules,
            outcome: outcome,
            failedRule: failedRule,
            serialNumber: serialNumber ?? self.serialNumber
        )
    }
}
