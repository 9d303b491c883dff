import Foundation
import Testing

/// Each row of docs/est-status-codes.md, asked with curl: EST answers only in statuses
/// deployed clients (libest) know, so a device can tell "wait" from "never". The webhook
/// rows (400, 502, 504) are in ESTWebhookTests.
@Suite struct ESTStatusCodeTests {
    /// The statuses libest knows; anything else is its "unknown error".
    static let understood: Set<Int> = [200, 202, 400, 401, 404, 423, 500, 502, 504]

    /// An RFC 3339 time, with or without fractional seconds.
    static func date(_ text: String) -> Date? {
        let plain = ISO8601DateFormatter(), fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return plain.date(from: text) ?? fractional.date(from: text)
    }

    @Test func eachRefusalHasTheStatusItsTableRowNames() async throws {
        let fixture = try await ESTFixture.make("est-status")
        var seen: [Int] = []
        func expectRefusal(_ answer: ESTFixture.Answer, _ status: Int, rule: String) {
            seen.append(answer.status)
            #expect(answer.status == status, "\(rule): \(answer.text)")
            #expect(answer.header("Content-Type") == "text/plain; charset=utf-8")
            #expect(answer.text.hasSuffix("rule: \(rule)\n"), "the body names the rule: \(answer.text)")
        }
        let device = unique("dev")
        let boot = try fixture.bootstrap(device)

        // 400: the same request can never succeed.
        expectRefusal(try fixture.est("simpleenroll", body: try fixture.csr("/CN=\(device)").body, contentType: "application/json", certificate: boot), 400, rule: "est.content_type")
        expectRefusal(try fixture.est("simpleenroll", body: Array("***".utf8), certificate: boot), 400, rule: "est.request")
        // 401: no credential, with the challenge.
        let anonymous = try fixture.est("simpleenroll", body: try fixture.csr("/CN=\(device)").body)
        expectRefusal(anonymous, 401, rule: "est.client_certificate")
        #expect(anonymous.header("WWW-Authenticate") == #"Basic realm="signet-est""#)
        // 404: no such DMS; a device a PRE_REGISTRATION DMS does not know.
        expectRefusal(try fixture.est("cacerts", aps: "no-such-dms"), 404, rule: "est.aps")
        let preRegistered = try fixture.anotherDMS { ESTFixture.set(&$0, ["enrollment_settings", "registration_mode"], "PRE_REGISTRATION") }
        expectRefusal(try fixture.est("simpleenroll", aps: preRegistered, body: try fixture.csr("/CN=\(device)").body, certificate: boot), 404, rule: "est.registration")
        // 423: disabled, and decommissioned, devices.
        let disabled = unique("dev"), retired = unique("dev")
        for id in [disabled, retired] { #expect(try fixture.registry.register(id).status == 201) }
        #expect(try fixture.server.curl("POST", "/api/devmanager/v1/devices/\(disabled)/disable", token: fixture.registry.token).status == 200)
        #expect((200..<300).contains(try fixture.server.curl("DELETE", "/api/devmanager/v1/devices/\(retired)/decommission", token: fixture.registry.token).status))
        expectRefusal(try fixture.est("simpleenroll", body: try fixture.csr("/CN=\(disabled)").body, certificate: try fixture.bootstrap(disabled)), 423, rule: "est.device.disabled")
        expectRefusal(try fixture.est("simpleenroll", body: try fixture.csr("/CN=\(retired)").body, certificate: try fixture.bootstrap(retired)), 423, rule: "est.device.decommissioned")

        // Renewal: NEW_KEY_REQUIRED refuses the same key for good (400); a new key renews.
        let requiringNewKey = try fixture.anotherDMS { ESTFixture.set(&$0, ["reenrollment_settings", "key_policy"], "NEW_KEY_REQUIRED") }
        let renewing = unique("dev")
        let identity = try fixture.enrolled(renewing, aps: requiringNewKey)
        let sameKey = try fixture.est("simplereenroll", aps: requiringNewKey, body: try fixture.csr("/CN=\(renewing)", reuse: identity.key).body,
                                      certificate: (identity.certificate, identity.key))
        expectRefusal(sameKey, 400, rule: "est.reenroll.new_key_required")
        let newKey = try fixture.est("simplereenroll", aps: requiringNewKey, body: try fixture.csr("/CN=\(renewing)").body, certificate: (identity.certificate, identity.key))
        #expect(newKey.status == 200, "\(newKey.text)")

        // 202 + Retry-After: the renewal window opens at a known time, so waiting helps.
        let lateWindow = try fixture.anotherDMS { ESTFixture.set(&$0, ["reenrollment_settings", "reenrollment_delta"], "1h") }
        let early = unique("dev")
        let current = try fixture.enrolled(early, aps: lateWindow)
        let tooEarly = try fixture.est("simplereenroll", aps: lateWindow, body: try fixture.csr("/CN=\(early)").body, certificate: (current.certificate, current.key))
        expectRefusal(tooEarly, 202, rule: "est.reenroll.window")
        let notAfter = try #require(try fixture.server.curl("GET", "/api/ca/v1/certificates/\(current.serial)", token: fixture.registry.ca.admin).json()["valid_to"] as? String)
        let opens = try #require(Self.date(notAfter), "\(notAfter)").addingTimeInterval(-3600)
        let wait = try #require(tooEarly.header("Retry-After").flatMap { Int($0) }, "Retry-After in seconds: \(tooEarly.headers)")
        #expect(abs(Double(wait) - opens.timeIntervalSinceNow) < 60, "Retry-After \(wait) s is when the window opens (\(opens))")
        #expect((try fixture.registry.device(early)["identity"] as? [String: Any])?["serial_number"] as? String == current.serial, "nothing was issued")

        #expect(Set(seen).isSubset(of: Self.understood), "\(seen)")
    }

    /// 502 + Retry-After while the database is down (libest does not know 503); back to 200 after.
    @Test func aDatabaseOutageIsABadGatewayWithRetryAfter() async throws {
        let fixture = try await ESTFixture.make("est-outage")
        let (server, forwarder) = try await ServerFixture.startBehindForwarder()
        defer { ServerProcesses.shared.process(port: server.port)?.terminate() }
        #expect(try fixture.est("cacerts", on: server).status == 200)

        forwarder.stop()
        var outage: ESTFixture.Answer?
        for _ in 0..<20 {
            let answer = try fixture.est("cacerts", on: server)
            if answer.status != 200 { outage = answer; break }
            try await Task.sleep(for: .milliseconds(500))
        }
        let refused = try #require(outage, "the database outage was not noticed")
        #expect(refused.status == 502, "\(refused.status) \(refused.text)")
        #expect(refused.header("Retry-After") == "5")
        #expect(refused.text.hasSuffix("rule: est.unavailable\n"), "\(refused.text)")

        try forwarder.start()
        var recovered = false
        for _ in 0..<40 where !recovered {
            recovered = try fixture.est("cacerts", on: server).status == 200
            if !recovered { try await Task.sleep(for: .milliseconds(500)) }
        }
        #expect(recovered)
    }
}
