/// One thing the in-process RFC 5280 lint found in a structure about to be signed.
///
/// `name` is stable (`lint.cert.serial_too_long`): it is what a refusal names as its failed
/// rule and what tests and operators match on; `message` says what exactly was wrong.
public struct LintFinding: Sendable, Hashable, CustomStringConvertible {
    public enum Severity: String, Sendable {
        /// A MUST of RFC 5280 / 6960 broken: the gate refuses to sign.
        case error
        /// A SHOULD broken: signed, and recorded in the decision.
        case warning
    }

    public let name: String
    public let severity: Severity
    public let message: String

    public var description: String { "\(name) (\(severity.rawValue)): \(message)" }
}

/// The findings of one lint run, in the order the rules found them.
public struct LintReport: Sendable {
    public private(set) var findings: [LintFinding] = []

    public init() {}

    public var errors: [LintFinding] { findings.filter { $0.severity == .error } }
    public var warnings: [LintFinding] { findings.filter { $0.severity == .warning } }
    public var passed: Bool { !findings.contains { $0.severity == .error } }

    mutating func error(_ name: String, _ message: String) {
        findings.append(LintFinding(name: name, severity: .error, message: message))
    }

    mutating func warning(_ name: String, _ message: String) {
        findings.append(LintFinding(name: name, severity: .warning, message: message))
    }

    mutating func merge(_ other: LintReport) { findings += other.findings }
}

extension LintReport {
    /// `rules`, then this report's warnings and a pass; throws the refusal naming the first
    /// error (with `rules` and the warnings as what was checked on the way).
    func outcomes(after rules: [RuleOutcome], what: String) throws -> [RuleOutcome] {
        var outcomes = rules
        for warning in warnings { outcomes.append(RuleOutcome(rule: warning.name, passed: true, detail: "warning: \(warning.message)")) }
        if let error = errors.first {
            let others = errors.count > 1 ? " (and \(errors.count - 1) more: \(errors.dropFirst().map(\.name).joined(separator: ", ")))" : ""
            let detail = "\(what) fails the RFC 5280 lint: \(error.message)\(others)"
            outcomes.append(RuleOutcome(rule: error.name, passed: false, detail: detail))
            throw Refusal(kind: .policy, rule: error.name, detail: detail, outcomes: outcomes)
        }
        outcomes.append(RuleOutcome(rule: "lint", passed: true, detail: "\(what): no lint errors" + (warnings.isEmpty ? "" : ", \(warnings.count) warnings")))
        return outcomes
    }
}

extension RuleLog {
    /// Adds a lint report to the decision: its warnings, then a pass naming what was linted,
    /// or the refusal naming the first error's lint.
    mutating func apply(_ report: LintReport, to what: String) throws {
        for warning in report.warnings { pass(warning.name, "warning: \(warning.message)") }
        if let error = report.errors.first {
            let others = report.errors.count > 1 ? " (and \(report.errors.count - 1) more: \(report.errors.dropFirst().map(\.name).joined(separator: ", ")))" : ""
            throw fail(error.name, "\(what) fails the RFC 5280 lint: \(error.message)\(others)")
        }
        pass("lint", "\(what): no lint errors" + (report.warnings.isEmpty ? "" : ", \(report.warnings.count) warnings"))
    }
}
