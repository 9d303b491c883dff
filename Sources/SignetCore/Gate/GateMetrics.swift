import SignetMetrics

/// Counts every decision the gate records, once it is recorded
/// (`signet_gate_decisions_total`, `signet_gate_refusals_total`).
///
/// A decorator rather than a call beside each `record`: every decision reaches the log
/// through this one type, so none can be recorded and left uncounted.
struct MeteredDecisionLog: DecisionLog {
    let log: any DecisionLog

    func record(_ decision: DecisionRecord) async throws {
        try await log.record(decision)
        let (action, ca, profile) = GateMetrics.labels(decision)
        let outcome = ("outcome", decision.outcome.rawValue.lowercased())
        SignetMetrics.count(.gateDecisions, [action, ca, profile, outcome])
        if decision.outcome != .approved {
            SignetMetrics.count(.gateRefusals, [action, ca, ("rule", decision.failedRule ?? ""), outcome])
        }
    }
}

enum GateMetrics {
    /// `action`, `ca` and `profile` of a decision. A CA or profile named by a request but
    /// not found is `_unknown`, so a client naming made-up CAs adds no series.
    static func labels(_ decision: DecisionRecord) -> (action: (String, String), ca: (String, String), profile: (String, String)) {
        let ca = decision.failedRule == "ca.exists" ? MetricLabel.unknown : MetricLabel.bounded("ca", decision.caID)
        let profile = decision.failedRule == "profile.exists" ? MetricLabel.unknown : MetricLabel.bounded("profile", decision.profileID ?? "")
        return (("action", decision.action.rawValue.lowercased()), ("ca", ca), ("profile", profile))
    }

    static func issued(_ record: CertificateRecord) {
        SignetMetrics.count(.certificatesIssued, [("ca", MetricLabel.bounded("ca", record.issuerCAID)), ("profile", MetricLabel.bounded("profile", record.profileID))])
    }

    static func revoked(_ count: Int, reason: RevocationReason, scope: String) {
        SignetMetrics.count(.revocations, [("reason", reason.name), ("scope", scope)], by: count)
    }
}

extension CoreStores {
    /// These stores, with every decision counted as it is recorded.
    var meteringDecisions: CoreStores {
        guard !(decisions is MeteredDecisionLog) else { return self }
        return CoreStores(profiles: profiles, cas: cas, certificates: certificates, decisions: MeteredDecisionLog(log: decisions),
                          revocations: revocations, crls: crls, ocsp: ocsp)
    }
}
