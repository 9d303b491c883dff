import Foundation
import Testing

/// DMSs whose enrollment an external webhook decides: asked with the request's facts, and
/// failing closed when it says no, breaks or is slow.
@Suite struct ESTWebhookTests {
    /// A DMS of the fixture's CAs whose auth mode involves the webhook at `path`.
    func dms(_ fixture: ESTFixture, _ receiver: WebhookReceiver, path: String, withCertificate: Bool = false) throws -> String {
        let id = unique("hook")
        var document = try fixture.registry.dmsDocument(id: id)
        var settings = document["settings"] as? [String: Any] ?? [:]
        var enrollment = settings["enrollment_settings"] as? [String: Any] ?? [:]
        var est: [String: Any] = [
            "auth_mode": withCertificate ? "CLIENT_CERTIFICATE_AND_EXTERNAL_WEBHOOK" : "EXTERNAL_WEBHOOK",
            "webhook_settings": ["url": receiver.url(path), "timeout": "1s"],
        ]
        if withCertificate { est["client_certificate_settings"] = ["validation_cas": [fixture.manufacturer.caID]] }
        enrollment["est_rfc7030_settings"] = est
        settings["enrollment_settings"] = enrollment
        document["settings"] = settings
        let created = try fixture.registry.post("/api/dmsmanager/v1/dms", document)
        guard created.status == 201 else { throw TestSetupError("DMS: \(created.text)") }
        return id
    }

    @Test func theWebhookDecidesAndFailsClosed() async throws {
        let fixture = try await ESTFixture.make("est-hook")
        let receiver = try WebhookReceiver(server: fixture.server)
        let device = unique("dev")

        let allowing = try dms(fixture, receiver, path: "/allow")
        let allowed = try fixture.est("simpleenroll", aps: allowing, body: try fixture.csr("/CN=\(device)").body)
        #expect(allowed.status == 200, "\(allowed.text)")
        let asked = try #require(try receiver.requests().last)
        #expect(asked["dms_id"] as? String == allowing && asked["device_id"] as? String == device && asked["operation"] as? String == "simpleenroll")
        #expect((asked["csr"] as? String).flatMap { Data(base64Encoded: $0) } != nil)
        #expect(asked["client_certificate"] is NSNull)

        let cases: [(String, Int, String)] = [
            ("/deny", 400, "the enrollment webhook refused device"),
            ("/broken", 502, "the enrollment webhook answered HTTP 500"),
            ("/slow", 504, "the enrollment webhook did not answer within 1s"),
        ]
        for (path, status, message) in cases {
            let other = unique("dev")
            let answer = try fixture.est("simpleenroll", aps: try dms(fixture, receiver, path: path), body: try fixture.csr("/CN=\(other)").body)
            #expect(answer.status == status, "\(path): \(answer.text)")
            #expect(answer.text.hasPrefix(message), "\(path): \(answer.text)")
            if status >= 500 { #expect(answer.header("Retry-After") == "5", "waiting may help: \(path)") }
            #expect(try fixture.server.curl("GET", "/api/devmanager/v1/devices/\(other)", token: fixture.registry.token).status == 404, "nothing registered for \(path)")
        }
    }

    @Test func certificateAndWebhookBothDecide() async throws {
        let fixture = try await ESTFixture.make("est-hook-cert")
        let receiver = try WebhookReceiver(server: fixture.server)
        let both = try dms(fixture, receiver, path: "/allow", withCertificate: true)
        let device = unique("dev")
        let before = try receiver.requests().count
        let noCertificate = try fixture.est("simpleenroll", aps: both, body: try fixture.csr("/CN=\(device)").body)
        #expect(noCertificate.status == 401)
        #expect(try receiver.requests().count == before, "the webhook is asked only after the certificate passed")
        let enrolled = try fixture.est("simpleenroll", aps: both, body: try fixture.csr("/CN=\(device)").body, certificate: try fixture.bootstrap(device))
        #expect(enrolled.status == 200, "\(enrolled.text)")
        #expect((try receiver.requests().last?["client_certificate"] as? String).flatMap { Data(base64Encoded: $0) } != nil)
    }
}
