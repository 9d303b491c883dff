import Foundation
@testable import SignetCore
import Testing
import X509

/// Profiles bound the names a request may carry: which types, how many, and which values,
/// with `{device_id}` and `{cn}` so that one device cannot name another's host.
@Suite struct NamePolicyTests {
    @Test func patternsMatchTheirHolesAndNothingElse() {
        let device = NamePattern.Values(deviceID: "sensor-7", commonName: "sensor-7")
        #expect(NamePattern.matches("sensor-7.devices.example.com", pattern: "{device_id}.devices.example.com", type: .dns, values: device))
        #expect(NamePattern.matches("SENSOR-7.Devices.Example.com", pattern: "{device_id}.devices.example.com", type: .dns, values: device))
        #expect(!NamePattern.matches("sensor-8.devices.example.com", pattern: "{device_id}.devices.example.com", type: .dns, values: device))
        #expect(!NamePattern.matches("x.sensor-7.devices.example.com", pattern: "{device_id}.devices.example.com", type: .dns, values: device))
        #expect(NamePattern.matches("eu-1.sensor-7.example.com", pattern: "*.{cn}.example.com", type: .dns, values: device))
        #expect(!NamePattern.matches("a.b.sensor-7.example.com", pattern: "*.{cn}.example.com", type: .dns, values: device), "* is one label")
        #expect(NamePattern.matches("spiffe://fleet.example/device/sensor-7", pattern: "spiffe://fleet.example/device/{device_id}", type: .uri, values: device))
        #expect(!NamePattern.matches("spiffe://fleet.example/device/sensor-7/../x", pattern: "spiffe://fleet.example/device/{device_id}", type: .uri, values: device))
        #expect(NamePattern.matches("ops.team@example.com", pattern: "*@example.com", type: .email, values: device))
        #expect(!NamePattern.matches("a@b@example.com", pattern: "*@example.com", type: .email, values: device))
        let anonymous = NamePattern.Values(deviceID: nil, commonName: "sensor-7")
        #expect(!NamePattern.matches("sensor-7.devices.example.com", pattern: "{device_id}.devices.example.com", type: .dns, values: anonymous))
    }

    @Test func nameSyntaxFollowsTheRFCs() {
        #expect(NameSyntax.isDNSName("a-1.example.com") && !NameSyntax.isDNSName("-a.example.com") && !NameSyntax.isDNSName("a..example.com"))
        #expect(!NameSyntax.isDNSName(String(repeating: "a", count: 64) + ".example.com"), "labels have at most 63 octets")
        #expect(NameSyntax.isDNSName("*.example.com", allowWildcard: true) && !NameSyntax.isDNSName("*.example.com"))
        #expect(!NameSyntax.isDNSName("a.*.example.com", allowWildcard: true))
        #expect(!NameSyntax.isDNSName("10.0.0.1") && !NameSyntax.isDNSName("device.a1") && !NameSyntax.isDNSName("device.x") && NameSyntax.isDNSName("localhost"),
                "a dotted name's top-level label is two octets or more and ends in a letter")
        #expect(NameSyntax.isURI("https://host.example:8443/x?y") && NameSyntax.isURI("urn:uuid:1234") && !NameSyntax.isURI("https://bad host/"))
        #expect(NameSyntax.isEmailAddress("a.b+c@example.com") && !NameSyntax.isEmailAddress("a b@example.com"))
        #expect(IPRange(cidr: "10.0.0.0/8")?.contains([10, 1, 2, 3]) == true && IPRange(cidr: "10.0.0.0/8")?.contains([11, 0, 0, 1]) == false)
        #expect(IPRange(cidr: "fd00::/8")?.contains(IPRange.address("fd12::1") ?? []) == true)
        #expect(IPRange(cidr: "10.1.0.0/8") == nil, "host bits set")
    }

    func issue(_ fixture: GateFixture, profile: String, cn: String, names: String, deviceID: String? = nil) async throws -> Result<Certificate, Refusal> {
        let csr = try OpenSSLCSR.make(subject: "/CN=\(cn)", extensions: ["subjectAltName=\(names)"], in: try Scratch())
        do {
            return .success(try await fixture.environment.core.issue(csr: csr, caID: fixture.subID, profileID: profile, requester: Requester("test-names"), deviceID: deviceID).certificate)
        } catch GateError.refused(let refusal) {
            return .failure(refusal)
        }
    }

    func rule(_ result: Result<Certificate, Refusal>) -> String? {
        if case .failure(let refusal) = result { return refusal.rule }
        return nil
    }

    @Test func theEnrolledDeviceNamesTheCertificateThroughTheSubjectTemplate() async throws {
        let fixture = try await GateFixture.get()
        let profile = try await fixture.profile(from: "iot-device") { $0.subject.commonName = "{device_id}"; $0.subject.organizationUnit = "plant-7 {csr.common_name}" }
        let csr = try OpenSSLCSR.make(subject: "/CN=what-the-device-says/O=Other Org", in: try Scratch())
        let issued = try await fixture.environment.core.issue(csr: csr, caID: fixture.subID, profileID: profile, requester: Requester("test-names"), deviceID: "sensor-9")
        #expect(issued.certificate.subject.description == "CN=sensor-9,OU=plant-7 what-the-device-says,O=Signet IoT Fleet")
        // The decision says where the subject came from.
        let detail = try await fixture.environment.rows("SELECT detail::text FROM audit_log WHERE id = \(issued.decisionID)", as: String.self).joined()
        #expect(detail.contains("request subject ignored"), "\(detail)")
    }

    @Test func dnsNamesTheLintWouldRefuseAreRefusedByTheCSRRuleFirst() async throws {
        let fixture = try await GateFixture.get()
        for name in ["10.0.0.1", "sensor.x", "sensor.lan1"] {
            let refused = try await issue(fixture, profile: "iot-device", cn: "dotted", names: "DNS:\(name)")
            #expect(rule(refused) == "csr.subject_alt_name", "\(name)")
        }
    }

    @Test func oneDeviceCannotNameAnothersHost() async throws {
        let fixture = try await GateFixture.get()
        let profile = try await fixture.profile(from: "iot-device") {
            $0.namePolicy = NamePolicy(allowedSANTypes: [.dns, .uri], dns: ["{device_id}.devices.example.com"], uri: ["spiffe://fleet.example/{cn}"], maxNames: 2)
        }
        let own = try await issue(fixture, profile: profile, cn: "sensor-7", names: "DNS:sensor-7.devices.example.com,URI:spiffe://fleet.example/sensor-7", deviceID: "sensor-7")
        #expect(rule(own) == nil, "\(own)")
        #expect(rule(try await issue(fixture, profile: profile, cn: "sensor-7", names: "DNS:sensor-8.devices.example.com", deviceID: "sensor-7")) == "name_policy.dns")
        #expect(rule(try await issue(fixture, profile: profile, cn: "sensor-7", names: "URI:spiffe://fleet.example/sensor-8", deviceID: "sensor-7")) == "name_policy.uri")
        #expect(rule(try await issue(fixture, profile: profile, cn: "sensor-7", names: "IP:192.0.2.1", deviceID: "sensor-7")) == "name_policy.allowed_san_types")
        let three = "DNS:sensor-7.devices.example.com,URI:spiffe://fleet.example/sensor-7,URI:spiffe://fleet.example/sensor-7/x"
        #expect(rule(try await issue(fixture, profile: profile, cn: "sensor-7", names: three, deviceID: "sensor-7")) == "name_policy.max_names")
        // Without an enrolled device, {device_id} matches nothing: fail closed.
        let anonymous = try await issue(fixture, profile: profile, cn: "sensor-7", names: "DNS:sensor-7.devices.example.com")
        guard case .failure(let refusal) = anonymous else { Issue.record("expected a refusal"); return }
        #expect(refusal.rule == "name_policy.dns" && refusal.detail.contains("device enrollment"), "\(refusal.detail)")
    }

    @Test func ipNamesMustLieInTheProfilesRanges() async throws {
        let fixture = try await GateFixture.get()
        let profile = try await fixture.profile(from: "tls-server") { $0.namePolicy = NamePolicy(allowedSANTypes: [.ip, .dns], ip: ["192.0.2.0/24"]) }
        #expect(rule(try await issue(fixture, profile: profile, cn: "edge", names: "IP:192.0.2.10,DNS:edge.example.com")) == nil)
        #expect(rule(try await issue(fixture, profile: profile, cn: "edge", names: "IP:198.51.100.1")) == "name_policy.ip")
    }
}
