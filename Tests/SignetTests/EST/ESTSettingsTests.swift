import Foundation
import Testing

/// Every EST-facing DMS setting acts: each test runs the same request against a DMS with the
/// setting and one without (or with the other value), so an ignored setting fails one side.
@Suite struct ESTSettingsTests {
    @Test func additionalValidationCAsDecideWhoseIdentitiesRenew() async throws {
        let fixture = try await ESTFixture.make("est-addl")
        let widened = try fixture.anotherDMS {
            ESTFixture.set(&$0, ["reenrollment_settings", "additional_validation_cas"], [fixture.manufacturer.caID])
        }
        // Each device's identity comes from the manufacturer CA, not the enrollment CA.
        func identityFromManufacturer(dms: String) throws -> (device: String, identity: (certificate: String, key: String)) {
            let device = unique("dev")
            #expect(try fixture.registry.register(device, dms: dms).status == 201)
            let identity = try fixture.bootstrap(device)
            let bound = try fixture.registry.bind(device, try fixture.serial(identity.certificate))
            #expect(bound.status == 200, "\(bound.text)")
            return (device, identity)
        }
        let strict = try identityFromManufacturer(dms: fixture.dmsID)
        let refused = try fixture.est("simplereenroll", body: try fixture.csr("/CN=\(strict.device)").body, certificate: strict.identity)
        #expect(refused.status == 401, "\(refused.text)")
        #expect(refused.text.contains("was issued by CA '\(fixture.manufacturer.caID)'") && refused.text.contains("rule: est.reenroll.issuer"), "\(refused.text)")

        let allowed = try identityFromManufacturer(dms: widened)
        let renewed = try fixture.est("simplereenroll", aps: widened, body: try fixture.csr("/CN=\(allowed.device)").body, certificate: allowed.identity)
        #expect(renewed.status == 200, "\(renewed.text)")
        let issuer = try Tool.run("openssl", ["x509", "-in", try fixture.certificateFile(renewed), "-noout", "-issuer"]).output
        #expect(issuer.contains("Revocation \(fixture.registry.ca.caID)"), "the renewal comes from the enrollment CA: \(issuer)")
    }

    @Test func chainLevelValidationBoundsHowFarUpTheAnchorMayBe() async throws {
        let fixture = try await ESTFixture.make("est-levels")
        // The manufacturer CA sits under the root: its bootstrap certificates are two levels below it.
        func underRoot(levels: Int) throws -> String {
            try fixture.anotherDMS {
                ESTFixture.set(&$0, ["enrollment_settings", "est_rfc7030_settings", "client_certificate_settings"],
                               ["validation_cas": [fixture.server.gate.rootID], "chain_level_validation": levels])
            }
        }
        let oneLevel = try underRoot(levels: 1), twoLevels = try underRoot(levels: 2)
        let device = unique("dev")
        let boot = try fixture.bootstrap(device)
        let refused = try fixture.est("simpleenroll", aps: oneLevel, body: try fixture.csr("/CN=\(device)").body, certificate: boot)
        #expect(refused.status == 401, "\(refused.text)")
        #expect(refused.text.contains("within 1 level(s)"), "\(refused.text)")
        let enrolled = try fixture.est("simpleenroll", aps: twoLevels, body: try fixture.csr("/CN=\(device)").body, certificate: boot)
        #expect(enrolled.status == 200, "\(enrolled.text)")
    }

    @Test func allowExpiredAcceptsAnExpiredBootstrapCertificate() async throws {
        let fixture = try await ESTFixture.make("est-expired-boot")
        let shortLived = try await fixture.server.gate.profile(from: "iot-device", allowOnIssuingCA: false) { $0.validity = .init(type: .duration, duration: "3s") }
        try fixture.manufacturer.allow(shortLived)
        func allowingExpired(_ allow: Bool) throws -> String {
            try fixture.anotherDMS {
                ESTFixture.set(&$0, ["enrollment_settings", "est_rfc7030_settings", "client_certificate_settings"],
                               ["validation_cas": [fixture.manufacturer.caID], "allow_expired": allow])
            }
        }
        let strict = try allowingExpired(false), lenient = try allowingExpired(true)
        let device = unique("dev")
        let boot = try fixture.bootstrap(device, profile: shortLived)
        try await Task.sleep(for: .seconds(4))

        let refused = try fixture.est("simpleenroll", aps: strict, body: try fixture.csr("/CN=\(device)").body, certificate: boot)
        #expect(refused.status == 401, "\(refused.text)")
        #expect(refused.text.contains("does not accept expired ones"), "\(refused.text)")
        let enrolled = try fixture.est("simpleenroll", aps: lenient, body: try fixture.csr("/CN=\(device)").body, certificate: boot)
        #expect(enrolled.status == 200, "\(enrolled.text)")
    }

    @Test func revokeOnReenrollmentDecidesWhetherTheOldIdentityIsSuperseded() async throws {
        let fixture = try await ESTFixture.make("est-keep-old")
        let keeping = try fixture.anotherDMS { ESTFixture.set(&$0, ["reenrollment_settings", "revoke_on_reenrollment"], false) }
        func renew(_ dms: String) throws -> (old: (certificate: String, key: String, serial: String), device: String) {
            let device = unique("dev")
            let old = try fixture.enrolled(device, aps: dms)
            let renewed = try fixture.est("simplereenroll", aps: dms, body: try fixture.csr("/CN=\(device)").body, certificate: (old.certificate, old.key))
            #expect(renewed.status == 200, "\(renewed.text)")
            return (old, device)
        }
        func status(_ serial: String) throws -> [String: Any] {
            try fixture.server.curl("GET", "/api/ca/v1/certificates/\(serial)", token: fixture.registry.ca.admin).json()
        }

        let kept = try renew(keeping)
        #expect(try status(kept.old.serial)["status"] as? String == "ACTIVE")
        #expect(try fixture.registry.ca.ocsp(["-serial", "0x\(kept.old.serial)"]).text.contains(": good"), "OCSP still says good")
        // Still valid, but no longer the device's identity: it does not renew again.
        let again = try fixture.est("simplereenroll", aps: keeping, body: try fixture.csr("/CN=\(kept.device)").body, certificate: (kept.old.certificate, kept.old.key))
        #expect(again.status == 401 && again.text.contains("is not the current identity"), "\(again.text)")

        let revoked = try renew(fixture.dmsID)
        let record = try status(revoked.old.serial)
        #expect(record["status"] as? String == "REVOKED", "\(record)")
        #expect(try fixture.registry.ca.ocsp(["-serial", "0x\(revoked.old.serial)"]).text.contains("Reason: superseded"))
    }

    @Test func anExpiredPasscodeIsRefused() async throws {
        let fixture = try await ESTFixture.make("est-pass-expiry") { document, _ in
            ESTFixture.set(&document, ["enrollment_settings", "registration_mode"], "PRE_REGISTRATION")
            ESTFixture.set(&document, ["enrollment_settings", "est_rfc7030_settings"],
                           ["auth_mode": "PASSCODE", "passcode_settings": ["usage_limit": 1, "validity": "2s"]])
        }
        let device = unique("dev")
        #expect(try fixture.registry.register(device).status == 201)
        func passcode() throws -> (code: String, expires: Date) {
            let issued = try fixture.registry.post("/api/dmsmanager/v1/dms/\(fixture.dmsID)/passcodes", ["device_id": device])
            let json = try issued.json()
            let code = try #require(json["passcode"] as? String, "\(issued.text)")
            let expires = try #require((json["expires_at"] as? String).flatMap(ESTStatusCodeTests.date), "\(issued.text)")
            return (code, expires)
        }
        let stale = try passcode()
        #expect(abs(stale.expires.timeIntervalSinceNow - 2) < 2, "the DMS's validity sets the expiry: \(stale.expires)")
        try await Task.sleep(for: .seconds(3))
        let refused = try fixture.est("simpleenroll", body: try fixture.csr("/CN=\(device)").body, basic: "\(device):\(stale.code)")
        #expect(refused.status == 401, "\(refused.text)")
        #expect(refused.text.contains("expired"), "\(refused.text)")
        #expect(try fixture.registry.device(device)["status"] as? String == "NO_IDENTITY")

        let fresh = try passcode()
        let enrolled = try fixture.est("simpleenroll", body: try fixture.csr("/CN=\(device)").body, basic: "\(device):\(fresh.code)")
        #expect(enrolled.status == 200, "a passcode within its validity enrolls: \(enrolled.text)")
    }

    @Test func theLabelLessPathUsesTheConfiguredDefaultDMS() async throws {
        let fixture = try await ESTFixture.make("est-default")
        // The shared server has no est_default_dms: the label-less path is a clear 404.
        let device = unique("dev")
        let boot = try fixture.bootstrap(device)
        let none = try fixture.est("simpleenroll", aps: "", body: try fixture.csr("/CN=\(device)").body, certificate: boot)
        #expect(none.status == 404)
        #expect(none.text == "no default DMS is configured; use /.well-known/est/<dms id>/…\nrule: est.aps\n", "\(none.text)")

        let configured = try await ServerFixture.start(extraEnvironment: ["SIGNET_EST_DEFAULT_DMS": fixture.dmsID])
        defer { ServerProcesses.shared.process(port: configured.port)?.terminate() }
        let cacerts = try fixture.est("cacerts", aps: "", on: configured)
        #expect(cacerts.status == 200, "\(cacerts.text)")
        #expect(try fixture.certificates(cacerts).text.contains("Revocation \(fixture.registry.ca.caID)"))
        let enrolled = try fixture.est("simpleenroll", aps: "", body: try fixture.csr("/CN=\(device)").body, certificate: boot, on: configured)
        #expect(enrolled.status == 200, "\(enrolled.text)")
        #expect(try fixture.registry.device(device)["dms_owner"] as? String == fixture.dmsID)
    }
}
