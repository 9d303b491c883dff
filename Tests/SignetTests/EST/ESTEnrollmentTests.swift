import Foundation
import Testing

/// EST with curl and openssl as the client: what RFC 7030 clients do, and what they get.
@Suite struct ESTEnrollmentTests {
    @Test func caCertificatesAndCSRAttributes() async throws {
        let fixture = try await ESTFixture.make("est-ca")
        let answer = try fixture.est("cacerts")
        #expect(answer.status == 200, "\(answer.text)")
        #expect(answer.header("Content-Type") == "application/pkcs7-mime; smime-type=certs-only")
        #expect(answer.header("Content-Transfer-Encoding") == "base64")
        #expect(answer.header("Content-Length") == String(answer.body.count))
        #expect(answer.text.split(separator: "\n").allSatisfy { $0.count <= 76 })
        let printed = try fixture.certificates(answer).text
        #expect(printed.contains("Revocation \(fixture.registry.ca.caID)"), "the enrollment CA: \(printed)")
        let subjects = printed.split(separator: "\n").filter { $0.hasPrefix("subject=") }
        let issuers = printed.split(separator: "\n").filter { $0.hasPrefix("issuer=") }
        #expect(subjects.count == 2, "the enrollment CA and its root: \(printed)")
        #expect(subjects.last.map { $0.dropFirst("subject=".count) } == issuers.last.map { $0.dropFirst("issuer=".count) }, "the chain ends in a self-signed root")

        let attributes = try fixture.est("csrattrs")
        #expect(attributes.status == 200)
        #expect(attributes.header("Content-Type") == "application/csrattrs")
        let der = try fixture.server.scratch.write(unique("attrs") + ".der", Array(Data(base64Encoded: attributes.text, options: .ignoreUnknownCharacters) ?? Data()))
        let parsed = try Tool.run("openssl", ["asn1parse", "-inform", "DER", "-in", der])
        #expect(parsed.status == 0, "\(parsed.error)")
        #expect(parsed.output.contains("id-ecPublicKey") && parsed.output.contains("prime256v1") && parsed.output.contains("ecdsa-with-SHA256"), "\(parsed.output)")
        #expect(parsed.output.contains("Extension Request") && parsed.output.contains("X509v3 Subject Alternative Name"), "\(parsed.output)")

        let unknown = try fixture.est("cacerts", aps: "no-such-dms")
        #expect(unknown.status == 404)
        #expect(unknown.text == "no DMS 'no-such-dms'\nrule: est.aps\n")
        let noDefault = try fixture.est("cacerts", aps: "")
        #expect(noDefault.status == 404)
    }

    @Test func enrollWithABootstrapCertificateThenRenewWithANewKey() async throws {
        let fixture = try await ESTFixture.make("est-enroll")
        let device = unique("sensor")
        let identity = try fixture.enrolled(device)
        let check = try Tool.run("openssl", ["x509", "-in", identity.certificate, "-noout", "-subject", "-issuer"])
        #expect(check.output.contains("CN = \(device)") || check.output.contains("CN=\(device)"), "\(check.output)")
        let registered = try fixture.registry.device(device)
        #expect(registered["status"] as? String == "ACTIVE")
        #expect(registered["dms_owner"] as? String == fixture.dmsID, "JITP registered it")
        let serial = try #require((registered["identity"] as? [String: Any])?["serial_number"] as? String)

        // Renewal: the current identity as TLS client certificate, a new key in the CSR.
        let renewal = try fixture.csr("/CN=\(device)")
        let renewed = try fixture.est("simplereenroll", body: renewal.body, certificate: (identity.certificate, identity.key))
        #expect(renewed.status == 200, "\(renewed.text)")
        let newPEM = try fixture.certificates(renewed).firstPEM
        let newFile = try fixture.server.scratch.write(unique("renewed") + ".pem", Array(newPEM.utf8))
        let keyMatch = try Tool.run("openssl", ["x509", "-in", newFile, "-noout", "-pubkey"]).output
        let requested = try Tool.run("openssl", ["pkey", "-in", renewal.key, "-pubout"]).output
        #expect(keyMatch == requested, "the renewed certificate carries the CSR's new key")
        let after = try fixture.registry.device(device)
        #expect(after["status"] as? String == "ACTIVE")
        #expect((after["identity"] as? [String: Any])?["serial_number"] as? String != serial)
        let old = try fixture.registry.ca.ocsp(["-serial", "0x\(serial)"])
        #expect(old.text.contains("Reason: superseded"), "\(old.text)")
        let events = try fixture.server.curl("GET", "/api/devmanager/v1/devices/\(device)/events", token: fixture.registry.token).json()["list"] as? [[String: Any]] ?? []
        #expect(events.compactMap { $0["kind"] as? String }.filter { $0 != "STATUS-UPDATED" } == ["CREATED", "PROVISIONED", "RENEWED"])

        // Over TLS 1.2 as well.
        let tls12 = try fixture.est("cacerts", extra: ["--tls-max", "1.2"])
        #expect(tls12.status == 200)
    }

    @Test func enrollWithAPasscodeOnce() async throws {
        let fixture = try await ESTFixture.make("est-pass") { document, _ in
            var settings = document["settings"] as? [String: Any] ?? [:]
            var enrollment = settings["enrollment_settings"] as? [String: Any] ?? [:]
            enrollment["registration_mode"] = "PRE_REGISTRATION"
            enrollment["est_rfc7030_settings"] = ["auth_mode": "PASSCODE", "passcode_settings": ["usage_limit": 1, "validity": "1h"]]
            settings["enrollment_settings"] = enrollment
            document["settings"] = settings
        }
        let device = unique("gateway")
        let unregistered = try fixture.est("simpleenroll", body: try fixture.csr("/CN=\(device)").body, basic: "\(device):whatever")
        #expect(unregistered.status == 401, "an unknown passcode: \(unregistered.text)")
        #expect(try fixture.registry.register(device).status == 201)
        let issued = try fixture.registry.post("/api/dmsmanager/v1/dms/\(fixture.dmsID)/passcodes", ["device_id": device])
        #expect(issued.status == 201, "\(issued.text)")
        let passcode = try #require(try issued.json()["passcode"] as? String)

        let noCredentials = try fixture.est("simpleenroll", body: try fixture.csr("/CN=\(device)").body)
        #expect(noCredentials.status == 401)
        #expect(noCredentials.header("WWW-Authenticate") == #"Basic realm="signet-est""#)
        let otherDevice = try fixture.est("simpleenroll", body: try fixture.csr("/CN=\(device)").body, basic: "someone-else:\(passcode)")
        #expect(otherDevice.status == 401)
        let enrolled = try fixture.est("simpleenroll", body: try fixture.csr("/CN=\(device)").body, basic: "\(device):\(passcode)")
        #expect(enrolled.status == 200, "\(enrolled.text)")
        #expect(try fixture.registry.device(device)["status"] as? String == "ACTIVE")
        let again = try fixture.est("simpleenroll", body: try fixture.csr("/CN=\(device)").body, basic: "\(device):\(passcode)")
        #expect(again.status == 401, "the passcode was for one use: \(again.text)")

        // As the CSR's challengePassword, for a second device.
        let second = unique("gateway")
        #expect(try fixture.registry.register(second).status == 201)
        let code = try #require(try fixture.registry.post("/api/dmsmanager/v1/dms/\(fixture.dmsID)/passcodes", ["device_id": second]).json()["passcode"] as? String)
        let config = try fixture.server.scratch.write(unique("req") + ".cnf", Array("""
            [req]
            prompt = no
            distinguished_name = dn
            attributes = attrs
            [dn]
            CN = \(second)
            [attrs]
            challengePassword = \(code)

            """.utf8))
        let viaCSR = try fixture.est("simpleenroll", body: try fixture.csr("/CN=\(second)", extra: ["-config", config]).body)
        #expect(viaCSR.status == 200, "\(viaCSR.text)")
        #expect(try fixture.registry.device(second)["status"] as? String == "ACTIVE")
    }

    @Test func aReplaceableEnrollmentSupersedesTheOldIdentity() async throws {
        let fixture = try await ESTFixture.make("est-replace") { document, _ in
            var settings = document["settings"] as? [String: Any] ?? [:]
            var enrollment = settings["enrollment_settings"] as? [String: Any] ?? [:]
            enrollment["enable_replaceable_enrollment"] = true
            settings["enrollment_settings"] = enrollment
            document["settings"] = settings
        }
        let device = unique("dev")
        let first = try fixture.enrolled(device)
        let firstSerial = try #require((try fixture.registry.device(device)["identity"] as? [String: Any])?["serial_number"] as? String)
        let again = try fixture.est("simpleenroll", body: try fixture.csr("/CN=\(device)").body, certificate: try fixture.bootstrap(device))
        #expect(again.status == 200, "\(again.text)")
        let after = try fixture.registry.device(device)
        #expect((after["identity"] as? [String: Any])?["serial_number"] as? String != firstSerial)
        #expect(after["status"] as? String == "ACTIVE")
        let old = try fixture.registry.ca.ocsp(["-cert", first.certificate])
        #expect(old.text.contains("Reason: superseded"), "\(old.text)")
        let events = try fixture.server.curl("GET", "/api/devmanager/v1/devices/\(device)/events", token: fixture.registry.token).json()["list"] as? [[String: Any]] ?? []
        #expect(events.compactMap { $0["kind"] as? String }.filter { $0 != "STATUS-UPDATED" } == ["CREATED", "PROVISIONED", "RE-PROVISIONED"])
    }
}
