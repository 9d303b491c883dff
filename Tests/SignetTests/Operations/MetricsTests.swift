import Foundation
import Testing

/// `/metrics` counts exactly the work a server did, parses as Prometheus text format, keeps
/// per-request values out of its labels, and is served only to `metrics_allow` or an auditor.
@Suite struct MetricsTests {
    /// Sum of the samples of `name` whose labels include `labels`.
    static func sum(_ scrape: MetricsScrape, _ name: String, _ labels: [String: String]) -> Double {
        scrape.samples.filter { key, _ in
            (key == name || key.hasPrefix(name + "{")) && labels.allSatisfy { key.contains("\($0.key)=\"\($0.value)\"") }
        }.values.reduce(0, +)
    }

    @Test func countersMoveByExactlyTheWorkDone() async throws {
        let server = try await ServerFixture.start(extraEnvironment: ["SIGNET_METRICS_REFRESH_INTERVAL": "1s"])
        let est = try await ESTFixture.make("metrics", server: server)
        let ca = est.registry.ca
        let device = unique("metrics-device")
        let bootstrap = try est.bootstrap(device)
        let enrollment = try est.csr("/CN=\(device)")
        let weak = try OpenSSLCSR.make(subject: "/CN=\(unique("weak"))", keyArguments: ["-newkey", "rsa:1024"], in: server.scratch)
        let good = try OpenSSLCSR.make(subject: "/CN=\(unique("device"))", in: server.scratch)
        let missingCA = unique("no-such-ca")
        let before = try MetricsScrape.take(server)

        // The work: three certificates, two refusals, a revocation, an OCSP answer, an
        // enrollment and a refused one, a request no route serves.
        var serials: [String] = []
        for _ in 0..<3 { serials.append(try ca.issue().serial) }
        let unknown = try server.curl("POST", "/api/ca/v1/cas/\(missingCA)/sign", token: ca.admin, body: try server.json(["csr": String(decoding: good, as: UTF8.self)]))
        #expect(unknown.status == 404, "\(unknown.text)")
        let refused = try server.curl("POST", "/api/ca/v1/cas/\(ca.caID)/sign", token: ca.admin, body: try server.json(["csr": String(decoding: weak, as: UTF8.self)]))
        #expect(refused.status == 422, "\(refused.text)")
        let refusedRule = try #require((try refused.json()["error"] as? [String: Any])?["rule"] as? String)
        #expect(try ca.setStatus(serials[0], ["status": "REVOKED", "revocation_reason": "KeyCompromise"]).status == 200)
        let ocsp = try ca.ocsp(["-serial", "0x" + serials[1]])
        #expect(ocsp.text.contains(": good"), "\(ocsp.text)")
        let enrolled = try est.est("simpleenroll", body: enrollment.body, certificate: bootstrap)
        #expect(enrolled.status == 200, "\(enrolled.text)")
        let anonymous = try est.est("simpleenroll", body: enrollment.body)
        #expect(anonymous.status == 401, "\(anonymous.text)")
        #expect(try server.curl("GET", "/no/such/\(serials[1])").status == 404)

        let after = try MetricsScrape.take(server)
        func moved(_ name: String, _ labels: [String: String]) -> Double { Self.sum(after, name, labels) - Self.sum(before, name, labels) }

        // Gate and issuance: exactly the work above (EST's certificate is the fourth).
        #expect(moved("signet_certificates_issued_total", ["ca": ca.caID]) == 4)
        #expect(moved("signet_gate_decisions_total", ["action": "issue", "ca": ca.caID, "outcome": "approved"]) == 4)
        #expect(moved("signet_gate_decisions_total", ["action": "issue", "ca": ca.caID, "outcome": "refused"]) == 1)
        #expect(moved("signet_gate_refusals_total", ["action": "issue", "ca": ca.caID, "rule": refusedRule, "outcome": "refused"]) == 1)
        // The CA that does not exist is no label of its own.
        #expect(moved("signet_gate_refusals_total", ["action": "issue", "ca": "_unknown", "rule": "ca.exists"]) == 1)
        #expect(moved("signet_gate_decisions_total", ["action": "revoke", "ca": ca.caID, "outcome": "approved"]) == 1)
        #expect(moved("signet_revocations_total", ["reason": "KeyCompromise", "scope": "certificate"]) == 1)
        #expect(moved("signet_revocations_total", [:]) == 1)
        // EST, by DMS, operation and outcome.
        #expect(moved("signet_est_operations_total", ["dms": est.dmsID, "operation": "simpleenroll", "outcome": "ok"]) == 1)
        #expect(moved("signet_est_operations_total", ["dms": est.dmsID, "operation": "simpleenroll", "outcome": "refused"]) == 1)
        // OCSP: the first response was signed with the certificate, so it is served pre-signed.
        #expect(moved("signet_ocsp_answers_total", ["status": "successful", "source": "presigned"]) == 1)
        #expect(moved("signet_ocsp_answers_total", [:]) == 1)
        // Requests by route template, method and status; their latency by route and method.
        let sign = "/api/ca/v1/cas/{id}/sign"
        #expect(moved("signet_http_requests_total", ["route": sign, "method": "POST", "status": "201"]) == 3)
        #expect(moved("signet_http_requests_total", ["route": sign, "method": "POST", "status": "404"]) == 1)
        #expect(moved("signet_http_requests_total", ["route": sign, "method": "POST", "status": "422"]) == 1)
        #expect(moved("signet_http_request_duration_seconds_count", ["route": sign, "method": "POST"]) == 5)
        #expect(moved("signet_http_requests_total", ["route": "unmatched", "method": "GET", "status": "404"]) == 1)
        // The token signed each certificate and its first OCSP response (background
        // publication signs more: CRLs after the revocation), each timed.
        #expect(moved("signet_token_calls_total", ["operation": "sign", "outcome": "ok"]) >= 8)
        #expect(moved("signet_token_call_duration_seconds_count", ["operation": "sign"]) >= 8)
        #expect(moved("signet_group_commit_batch_size_count", ["writer": "issuance"]) >= 1)

        // No serial, no made-up CA id and no raw path became a label value.
        for value in after.labelValues {
            #expect(!serials.contains { value.contains($0) }, "label value \(value)")
            #expect(!value.contains(missingCA) && !value.contains("/no/such"), "label value \(value)")
        }

        // Gauges come from a timer (1 s here), not from the scrape: wait for a refresh that
        // saw the work above (the enrolled device, the CA's CRLs).
        func refreshed(_ scrape: MetricsScrape) -> Bool {
            Self.sum(scrape, "signet_devices", [:]) >= 1 && scrape.has("signet_crl_age_seconds", where: { $0.contains(ca.caID) && $0.contains("kind=\"delta\"") })
        }
        // At most 8 s: with the default 15 s interval (the setting ignored) this would fail.
        var gauges = try MetricsScrape.take(server)
        for _ in 0..<16 where !refreshed(gauges) {
            try await Task.sleep(for: .milliseconds(500))
            gauges = try MetricsScrape.take(server)
        }
        #expect(refreshed(gauges), "no refresh saw the work within 8 s")
        #expect(gauges.value("signet_token_up") == 1)
        #expect(gauges.value("signet_db_pool_max_connections") == 4)
        #expect(gauges.has("signet_db_pool_connections", where: { $0.contains("state=\"in_use\"") }))
        let open = gauges.value("signet_db_pool_connections", ["state": "open"]), idle = gauges.value("signet_db_pool_connections", ["state": "idle"])
        #expect(open >= 1 && open <= 4 && idle <= open - 1, "open \(open), idle \(idle): the refresh's own connection is active")
        #expect(gauges.value("process_resident_memory_bytes") > 1_000_000)
        #expect(gauges.value("process_open_fds") > 5)
        #expect(Self.sum(gauges, "signet_devices", [:]) >= 1)
        #expect(gauges.has("signet_crl_age_seconds", where: { $0.contains(ca.caID) && $0.contains("kind=\"delta\"") }))
        #expect(gauges.value("signet_crl_validity_seconds", ["kind": "full"]) == 86_400)
        #expect(gauges.has("signet_audit_oldest_unsealed_seconds"))
        #expect(gauges.value("signet_audit_oldest_unsealed_seconds") < 60)
        #expect(gauges.has("signet_import_jobs", where: { $0.contains("status=\"DONE\"") }))
        #expect(gauges.value("signet_audit_rows_sealed_total") > 0)
        await server.stop()
    }

    @Test func outsideMetricsAllowAScrapeNeedsAnAuditor() async throws {
        let server = try await ServerFixture.start(extraEnvironment: ["SIGNET_METRICS_ALLOW": "none"])
        let anonymous = try server.curl("GET", "/metrics")
        #expect(anonymous.status == 401, "\(anonymous.text)")
        let operatorToken = try server.curl("GET", "/metrics", token: server.token(["operator"]))
        #expect(operatorToken.status == 403, "\(operatorToken.text)")
        #expect(operatorToken.text.contains("auditor"))
        let scrape = try MetricsScrape.take(server, token: server.token(["auditor"]))
        #expect(scrape.has("signet_http_requests_total"))
        await server.stop()
    }
}
