import Foundation
import X509

extension SigningCore {
    /// What the gate would decide for a CSR under a profile, rule by rule, and the
    /// certificate fields it would produce. Nothing is signed or recorded.
    public struct Explanation: Sendable {
        public let approved: Bool
        public let rules: [RuleOutcome]
        public let plan: CertificatePlan?
        public let failedRule: String?
    }

    /// - Parameter caID: the CA that would sign (its validity clamps the result); nil to
    ///   judge the request against the profile alone.
    ///   With a CA, the rules of who may use which profile on it are part of the answer.
    public func explain(csr: [UInt8], profileID: String, caID: String?, requester: Requester = Requester("explain")) async throws -> Explanation {
        var decision = DecisionDraft(action: .issue, caID: caID ?? "", requester: requester)
        var log = RuleLog()
        do {
            let signer = try await caID.asyncMap { try await signingCA($0, log: &log) }
            let profile = try await profile(profileID, purpose: "explanation", log: &log)
            if let signer { try checkProfileUse(profile, by: signer, requester: requester, log: &log) }
            let requested = try Self.readCSR(csr, profile: profile.profile, decision: &decision, log: &log)
            let plan = try IssuancePolicy.evaluate(
                profile: profile.profile, request: requested, issuer: signer?.context,
                urls: .under(base: publicBaseURL, caID: caID ?? ""), now: clock(), log: &log
            )
            return Explanation(approved: true, rules: log.outcomes, plan: plan, failedRule: nil)
        } catch let refusal as Refusal {
            return Explanation(approved: false, rules: refusal.outcomes, plan: nil, failedRule: refusal.rule)
        }
    }
}

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}
