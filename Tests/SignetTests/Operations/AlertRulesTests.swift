import Foundation
import SignetMetrics
import Testing

/// The alert rules and the dashboard in deploy/ are valid, fire when they should (promtool's
/// own rule tests), and name only metrics Signet exports.
@Suite struct AlertRulesTests {
    static var deploy: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../../deploy").standardized
    }

    @Test func promtoolAcceptsTheRulesAndTheirTestsPass() throws {
        let rules = Self.deploy.appendingPathComponent("prometheus")
        let checked = try Tool.run("promtool", ["check", "rules", rules.appendingPathComponent("signet-alerts.yml").path])
        #expect(checked.status == 0, "\(checked.output) \(checked.error)")
        #expect(checked.output.contains("SUCCESS: 5 rules found"), "\(checked.output)")
        let tested = try Tool.run("promtool", ["test", "rules", rules.appendingPathComponent("signet-alerts.test.yml").path])
        #expect(tested.status == 0, "\(tested.output) \(tested.error)")
    }

    /// A rule or panel over a metric that does not exist never fires and never draws.
    @Test func rulesAndDashboardNameOnlyExportedMetrics() throws {
        let exported = Set(MetricName.allCases.map(\.rawValue))
        let suffixes = ["_bucket", "_count", "_sum"]
        for file in ["prometheus/signet-alerts.yml", "grafana/signet-dashboard.json"] {
            let text = try String(contentsOf: Self.deploy.appendingPathComponent(file), encoding: .utf8)
            let names = Set(text.matches(of: /(signet|process)_[a-z_]+/).map { String($0.output.0) })
            #expect(!names.isEmpty, "\(file) names no metric")
            for name in names {
                let base = suffixes.reduce(name) { $0.hasSuffix($1) ? String($0.dropLast($1.count)) : $0 }
                #expect(exported.contains(base) || exported.contains(name), "\(file) uses \(name), which Signet does not export")
            }
        }
    }
}
