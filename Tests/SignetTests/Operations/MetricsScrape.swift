import Foundation

/// `/metrics` read the way Prometheus reads it: fetched over TLS with curl, then parsed by
/// the `prometheus-client` Python package's text-format parser (which fails on output that
/// is not valid exposition format).
struct MetricsScrape {
    /// Sample value by `name{label="value",…}`, labels sorted by name.
    let samples: [String: Double]
    /// Every label value seen, for checks that no per-request value became one.
    let labelValues: Set<String>

    static let parser = """
    import json, sys
    from prometheus_client.parser import text_string_to_metric_families
    out = []
    for family in text_string_to_metric_families(open(sys.argv[1]).read()):
        for sample in family.samples:
            out.append([sample.name, sample.labels, sample.value])
    print(json.dumps(out))
    """

    static func python() throws -> String {
        guard let bin = ProcessInfo.processInfo.environment["SIGNET_TEST_PROMETHEUS_CLIENT"] else {
            throw TestSetupError("SIGNET_TEST_PROMETHEUS_CLIENT is not set: run the tests through deploy/test")
        }
        return bin + "/python3"
    }

    static func key(_ name: String, _ labels: [String: String]) -> String {
        labels.isEmpty ? name : name + "{" + labels.sorted { $0.key < $1.key }.map { "\($0.key)=\"\($0.value)\"" }.joined(separator: ",") + "}"
    }

    /// Scrapes `server` (from loopback, which the default `metrics_allow` admits).
    static func take(_ server: ServerFixture, token: String? = nil) throws -> MetricsScrape {
        let result = try server.curl("GET", "/metrics", token: token)
        guard result.status == 200 else { throw TestSetupError("GET /metrics: \(result.status) \(result.text)") }
        guard result.header("Content-Type")?.hasPrefix("text/plain; version=0.0.4") == true else {
            throw TestSetupError("GET /metrics: Content-Type \(result.header("Content-Type") ?? "none")")
        }
        return try parse(result.body, in: server)
    }

    static func parse(_ exposition: [UInt8], in server: ServerFixture) throws -> MetricsScrape {
        let file = try server.scratch.write(unique("metrics") + ".txt", exposition)
        let parsed = try Tool.run(try python(), ["-c", parser, file])
        guard parsed.status == 0 else { throw TestSetupError("the Prometheus parser refused the exposition: \(parsed.error)") }
        guard let rows = try JSONSerialization.jsonObject(with: Data(parsed.output.utf8)) as? [[Any]] else {
            throw TestSetupError("parser output: \(parsed.output)")
        }
        var samples: [String: Double] = [:]
        var values: Set<String> = []
        for row in rows {
            guard row.count == 3, let name = row[0] as? String, let labels = row[1] as? [String: String], let value = row[2] as? Double else { continue }
            samples[key(name, labels)] = value
            values.formUnion(labels.values)
        }
        return MetricsScrape(samples: samples, labelValues: values)
    }

    func value(_ name: String, _ labels: [String: String] = [:]) -> Double {
        samples[Self.key(name, labels)] ?? 0
    }

    /// How much a sample moved from `earlier` to this scrape.
    func delta(_ name: String, _ labels: [String: String] = [:], since earlier: MetricsScrape) -> Double {
        value(name, labels) - earlier.value(name, labels)
    }

    /// Whether any sample of `name` exists.
    func has(_ name: String, where match: (String) -> Bool = { _ in true }) -> Bool {
        samples.keys.contains { ($0 == name || $0.hasPrefix(name + "{")) && match($0) }
    }
}
