import Foundation
import Testing

/// Each EST refusal rule with its exact status; nothing is issued for a refused request.
@Suite struct ESTRefusalTests {
    @Test func enrollmentRefusals() async throws {
        let fixture = try await ESTFixture.make("est-refuse")
        let device = unique("dev")
        let boot = try fixture.bootstrap(device)
        let request = try fixture.csr("/CN=\(device)")

        let noCertificate = try fixture.est("simpleenroll", body: request.body)
        #expect(noCertificate.status == 401)
        #expect(noCertificate.header("WWW-Authenticate") == #"Basic realm="signet-est""#)
        let wrongType = try fixture.est("simpleenroll", body: request.body, contentType: "application/json", certificate: boot)
        #expect(wrongType.status == 400)
        let notBase64 = try fixture.est("simpleenroll", body: Array("***not base64***".utf8), certificate: boot)
        #expect(notBase64.status == 400, "\(notBase64.text)")
        #expect(notBase64.text == "the body is not valid base64\nrule: est.request\n")
        let notACSR = try fixture.est("simpleenroll", body: Array("aGVsbG8=\n".utf8), certificate: boot)
        #expect(notACSR.status == 400)

        // The bootstrap certificate names another device.
        let other = try fixture.est("simpleenroll", body: try fixture.csr("/CN=\(unique("other"))").body, certificate: boot)
        #expect(other.status == 401)
        #expect(other.text.hasPrefix("the client certificate names '\(device)'"), "\(other.text)")
        // A certificate from a CA the DMS does not accept.
        let untrusted = try fixture.est("simpleenroll", body: request.body, certificate: try fixture.bootstrap(device, from: fixture.registry.ca))
        #expect(untrusted.status == 401)
        #expect(untrusted.text.hasPrefix("the client certificate does not chain to a CA this DMS accepts"), "\(untrusted.text)")
        // A weak key: the gate's policy refuses it.
        let weak = try fixture.est("simpleenroll", body: try fixture.csr("/CN=\(device)", key: ["-newkey", "rsa:1024"]).body, certificate: boot)
        #expect(weak.status == 400)
        #expect(weak.text.contains("2048"), "\(weak.text)")
        // A revoked bootstrap certificate.
        let revokedDevice = unique("dev")
        let revokedBoot = try fixture.bootstrap(revokedDevice)
        let serial = try Tool.run("openssl", ["x509", "-in", revokedBoot.certificate, "-noout", "-serial"]).output
            .trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: "serial=", with: "").lowercased()
        #expect(try fixture.manufacturer.setStatus(serial, ["status": "REVOKED", "revocation_reason": "KeyCompromise"]).status == 200)
        let revoked = try fixture.est("simpleenroll", body: try fixture.csr("/CN=\(revokedDevice)").body, certificate: revokedBoot)
        #expect(revoked.status == 401)
        #expect(revoked.text.contains("is revoked"), "\(revoked.text)")

        // A disabled device, then one that is already enrolled (the DMS does not replace).
        let enrolled = try fixture.enrolled(device)
        _ = enrolled
        let replace = try fixture.est("simpleenroll", body: try fixture.csr("/CN=\(device)").body, certificate: try fixture.bootstrap(device))
        #expect(replace.status == 400)
        #expect(replace.text.contains("already enrolled"), "\(replace.text)")
        let disabledDevice = unique("dev")
        #expect(try fixture.registry.register(disabledDevice).status == 201)
        #expect(try fixture.server.curl("POST", "/api/devmanager/v1/devices/\(disabledDevice)/disable", token: fixture.registry.token).status == 200)
        let disabled = try fixture.est("simpleenroll", body: try fixture.csr("/CN=\(disabledDevice)").body, certificate: try fixture.bootstrap(disabledDevice))
        #expect(disabled.status == 423)
        #expect(disabled.text == "device '\(disabledDevice)' is disabled\nrule: est.device.disabled\n")
        #expect(try fixture.registry.device(disabledDevice)["status"] as? String == "NO_IDENTITY", "nothing was issued")

        // Refusals are in the audit trail with their rule.
        let audit = try fixture.server.curl("GET", "/api/ca/v1/audit?filter=action%5Beq%5DEST%20simpleenroll&sort_mode=desc&page_size=50", token: fixture.server.token(["auditor"]))
        #expect(audit.status == 200, "\(audit.text)")
        #expect(audit.text.contains("est.device.disabled"), "\(audit.text.prefix(400))")
    }

    @Test func renewalRefusals() async throws {
        let shortFixture = try await ESTFixture.make("est-renew") { document, _ in
            var settings = document["settings"] as? [String: Any] ?? [:]
            var reenrollment = settings["reenrollment_settings"] as? [String: Any] ?? [:]
            reenrollment["reenrollment_delta"] = "1h"
            settings["reenrollment_settings"] = reenrollment
            document["settings"] = settings
        }
        let device = unique("dev")
        let identity = try shortFixture.enrolled(device)
        let closed = try shortFixture.est("simplereenroll", body: try shortFixture.csr("/CN=\(device)").body, certificate: (identity.certificate, identity.key))
        #expect(closed.status == 202)
        #expect(closed.text.hasPrefix("renewal opens at"), "\(closed.text)")

        let fixture = try await ESTFixture.make("est-renew-open")
        let first = unique("dev"), second = unique("dev")
        let a = try fixture.enrolled(first)
        _ = try fixture.enrolled(second)
        let crossDevice = try fixture.est("simplereenroll", body: try fixture.csr("/CN=\(second)").body, certificate: (a.certificate, a.key))
        #expect(crossDevice.status == 401)
        #expect(crossDevice.text.contains("is not the current identity of device '\(second)'"), "\(crossDevice.text)")
        let sameKey = try fixture.est("simplereenroll", body: try fixture.csr("/CN=\(first)", reuse: a.key).body, certificate: (a.certificate, a.key))
        #expect(sameKey.status == 400)
        #expect(sameKey.text.contains("requires a new key"), "\(sameKey.text)")
        let bootstrapInstead = try fixture.est("simplereenroll", body: try fixture.csr("/CN=\(first)").body, certificate: try fixture.bootstrap(first))
        #expect(bootstrapInstead.status == 401, "a bootstrap certificate does not renew: \(bootstrapInstead.text)")
        let noCertificate = try fixture.est("simplereenroll", body: try fixture.csr("/CN=\(first)").body)
        #expect(noCertificate.status == 401)

        // Expired, and the DMS does not renew expired certificates.
        let expiring = unique("dev")
        let old = try await fixture.expiredIdentity(expiring)
        let expired = try fixture.est("simplereenroll", body: try fixture.csr("/CN=\(expiring)").body, certificate: (old.certificate, old.key))
        #expect(expired.status == 400)
        #expect(expired.text.contains("does not renew expired certificates"), "\(expired.text)")

        // A revoked identity cannot renew.
        #expect(try fixture.registry.ca.setStatus(a.serial, ["status": "REVOKED", "revocation_reason": "KeyCompromise"]).status == 200)
        let revoked = try fixture.est("simplereenroll", body: try fixture.csr("/CN=\(first)").body, certificate: (a.certificate, a.key))
        #expect(revoked.status == 401)
    }
}
