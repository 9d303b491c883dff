import Foundation
import Testing

/// A fleet profile's name policy over EST: `{device_id}` is the device the enrollment
/// authenticated, so a device gets its own names and never another's.
@Suite struct ESTNamePolicyTests {
    @Test func aDeviceEnrollsWithItsOwnNamesOnly() async throws {
        let fixture = try await ESTFixture.make("est-names") { document, _ in
            var settings = document["settings"] as? [String: Any] ?? [:]
            settings["issuance_profile_id"] = "fleet-device"
            document["settings"] = settings
        }
        let device = unique("cam")
        let bootstrap = try fixture.bootstrap(device)
        let other = try fixture.csr("/CN=\(device)", extra: ["-addext", "subjectAltName=DNS:\(device)-neighbour.devices.example.com"])
        let refused = try fixture.est("simpleenroll", body: other.body, certificate: bootstrap)
        #expect(refused.status == 400, "\(refused.text)")
        #expect(refused.text.contains("\(device)-neighbour.devices.example.com") && refused.text.contains("patterns"), "\(refused.text)")
        let rules = try await fixture.server.gate.environment.rows(
            "SELECT failed_rule FROM decisions WHERE profile_id = 'fleet-device' AND requester LIKE \("%:" + device)", as: String.self
        )
        #expect(rules == ["name_policy.dns"])

        let own = try fixture.csr("/CN=\(device)", extra: ["-addext", "subjectAltName=DNS:\(device).devices.example.com,URI:spiffe://fleet.example/device/\(device)"])
        let answer = try fixture.est("simpleenroll", body: own.body, certificate: bootstrap)
        #expect(answer.status == 200, "\(answer.text)")
        let pem = try fixture.certificates(answer).firstPEM
        let file = try fixture.server.scratch.write(unique("named") + ".pem", Array(pem.utf8))
        let text = try Tool.run("openssl", ["x509", "-in", file, "-noout", "-ext", "subjectAltName"]).output
        #expect(text.contains("DNS:\(device).devices.example.com") && text.contains("URI:spiffe://fleet.example/device/\(device)"), "\(text)")
    }
}
