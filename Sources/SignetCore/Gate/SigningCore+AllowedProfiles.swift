import Foundation

extension SigningCore {
    /// Replaces the profiles a CA issues with (administrators only; recorded as a decision).
    public func setAllowedProfiles(caID: String, profiles: [String], requester: Requester) async throws -> CARecord {
        let decision = DecisionDraft(action: .setAllowedProfiles, caID: caID, requester: requester)
        var log = RuleLog()
        do {
            try checkAdministrator(requester, action: "changing a CA's allowed profiles", log: &log)
            guard var ca = try await stores.cas.ca(id: caID) else {
                throw log.fail("ca.exists", "no CA with id '\(caID)'", kind: .notFound)
            }
            guard ca.keyURI != nil else { throw log.fail("ca.can_sign", "CA '\(caID)' holds no key and issues nothing") }
            guard let defaultID = ca.issuanceProfileID else { throw log.fail("ca.can_sign", "CA '\(caID)' has no default issuance profile") }
            let allowed = try await checkAllowedProfiles(profiles, default: defaultID, log: &log)
            try await stores.decisions.record(decision.record(.approved, rules: log.outcomes))
            try await stores.cas.setAllowedProfiles(caID: caID, allowed)
            ca.allowedProfiles = allowed
            return ca
        } catch let refusal as Refusal {
            try await recordRefusal(refusal, decision: decision)
            throw GateError.refused(refusal)
        }
    }
}
