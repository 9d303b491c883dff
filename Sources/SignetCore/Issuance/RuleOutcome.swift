/// One rule the gate checked, and what it found.
public struct RuleOutcome: Sendable, Hashable, Codable {
    public let rule: String
    public let passed: Bool
    public let detail: String

    public init(rule: String, passed: Bool, detail: String) {
        self.rule = rule
        self.passed = passed
        self.detail = detail
    }
}

/// Collects rule outcomes in the order the gate checks them; the first failure ends the evaluation.
struct RuleLog {
    private(set) var outcomes: [RuleOutcome] = []

    mutating func pass(_ rule: String, _ detail: String) {
        outcomes.append(RuleOutcome(rule: rule, passed: true, detail: detail))
    }

    /// Records the failure and returns the refusal to throw.
    mutating func fail(_ rule: String, _ detail: String, kind: Refusal.Kind = .policy) -> Refusal {
        outcomes.append(RuleOutcome(rule: rule, passed: false, detail: detail))
        return Refusal(kind: kind, rule: rule, detail: detail, outcomes: outcomes)
    }
}
