import Foundation
import Testing

/// `PUT /certificates/{serial}/status` and `POST /cas/{id}/status`: what may be revoked,
/// what may come back, and the errors for everything else.
@Suite struct RevocationAPITests {
    static func error(_ result: ServerFixture.HTTPResult) throws -> [String: Any] {
        try #require(try result.json()["error"] as? [String: Any])
    }

    @Test func revocationIsFinalExceptForHold() async throws {
        let fixture = try await RevocationFixture.make("revoke")
        let server = fixture.server
        let compromised = try fixture.issue(), held = try fixture.issue()

        let revoked = try fixture.setStatus(compromised.serial, ["status": "REVOKED", "revocation_reason": "KeyCompromise", "invalidity_date": "2026-01-02T03:04:05Z"])
        #expect(revoked.status == 200, "\(revoked.text)")
        let body = try revoked.json()
        #expect(body["status"] as? String == "REVOKED")
        #expect(body["revocation_reason"] as? String == "KeyCompromise")
        #expect(body["revoked_at"] as? String != nil)
        #expect((body["invalidity_date"] as? String)?.hasPrefix("2026-01-02T03:04:05") == true)

        // Twice, un-holding a KeyCompromise: 409 naming the rule; nothing changes.
        let again = try fixture.setStatus(compromised.serial, ["status": "REVOKED", "revocation_reason": "Superseded"])
        #expect(again.status == 409)
        #expect(try Self.error(again)["rule"] as? String == "revocation.already_revoked")
        let unhold = try fixture.setStatus(compromised.serial, ["status": "ACTIVE"])
        #expect(unhold.status == 409)
        #expect(try Self.error(unhold)["rule"] as? String == "revocation.on_hold")
        let unchanged = try server.curl("GET", "/api/ca/v1/certificates/\(compromised.serial)", token: fixture.admin).json()
        #expect(unchanged["revocation_reason"] as? String == "KeyCompromise")

        // A hold comes back to ACTIVE; a second hold lift is refused.
        #expect(try fixture.setStatus(held.serial, ["status": "REVOKED", "revocation_reason": "CertificateHold"]).status == 200)
        let lifted = try fixture.setStatus(held.serial, ["status": "ACTIVE"])
        #expect(lifted.status == 200, "\(lifted.text)")
        #expect(try lifted.json()["status"] as? String == "ACTIVE")
        #expect(try lifted.json()["revocation_reason"] == nil)
        #expect(try fixture.setStatus(held.serial, ["status": "ACTIVE"]).status == 409)
        // A hold can be made final.
        #expect(try fixture.setStatus(held.serial, ["status": "REVOKED", "revocation_reason": "CertificateHold"]).status == 200)
        #expect(try fixture.setStatus(held.serial, ["status": "REVOKED", "revocation_reason": "CessationOfOperation"]).status == 200)
        #expect(try fixture.setStatus(held.serial, ["status": "ACTIVE"]).status == 409)

        // Filter by reason.
        let filtered = try server.curl("GET", "/api/ca/v1/cas/\(fixture.caID)/certificates?filter=revocation_reason%5Beq%5DKeyCompromise", token: fixture.admin)
        #expect((try filtered.json()["list"] as? [[String: Any]])?.compactMap { $0["serial_number"] as? String } == [compromised.serial])
    }

    @Test func badRevocationRequestsChangeNothing() async throws {
        let fixture = try await RevocationFixture.make("revoke-bad")
        let server = fixture.server
        let certificate = try fixture.issue()

        let unknownReason = try fixture.setStatus(certificate.serial, ["status": "REVOKED", "revocation_reason": "Bored"])
        #expect(unknownReason.status == 400)
        #expect(try Self.error(unknownReason)["message"] as? String ?? "" == "revocation_reason 'Bored' is not one of Unspecified, KeyCompromise, CACompromise, AffiliationChanged, Superseded, CessationOfOperation, CertificateHold, RemoveFromCRL, PrivilegeWithdrawn, AACompromise")
        #expect(try fixture.setStatus(certificate.serial, ["status": "REVOKED", "revocation_reason": "RemoveFromCRL"]).status == 400)
        #expect(try fixture.setStatus(certificate.serial, ["status": "EXPIRED"]).status == 400)
        #expect(try fixture.setStatus(certificate.serial, ["status": "REVOKED", "why": "x"]).status == 400)
        #expect(try fixture.setStatus(certificate.serial, ["status": "REVOKED", "invalidity_date": "yesterday"]).status == 400)
        #expect(try fixture.setStatus(certificate.serial, ["status": "REVOKED", "invalidity_date": "2999-01-01T00:00:00Z"]).status == 400)
        let notJSON = try server.curl("PUT", "/api/ca/v1/certificates/\(certificate.serial)/status", token: fixture.admin, body: Array("status=REVOKED".utf8), contentType: "application/x-www-form-urlencoded")
        #expect(notJSON.status == 415)
        let unknown = try fixture.setStatus("0badc0ffee", ["status": "REVOKED"])
        #expect(unknown.status == 404)
        #expect(try Self.error(unknown)["rule"] as? String == "certificate.exists")
        // An auditor reads but does not revoke; no token, no access.
        #expect(try fixture.setStatus(certificate.serial, ["status": "REVOKED"], token: server.token(["auditor"])).status == 403)
        #expect(try server.curl("PUT", "/api/ca/v1/certificates/\(certificate.serial)/status", body: try server.json(["status": "REVOKED"])).status == 401)
        // A CA certificate is revoked with its CA, not alone.
        let caSerial = try #require(try server.curl("GET", "/api/ca/v1/cas/\(fixture.caID)", token: fixture.admin).json()["serial_number"] as? String)
        let caCertificate = try fixture.setStatus(caSerial, ["status": "REVOKED"])
        #expect(caCertificate.status == 409)
        #expect(try Self.error(caCertificate)["rule"] as? String == "revocation.not_ca")

        let after = try server.curl("GET", "/api/ca/v1/certificates/\(certificate.serial)", token: fixture.admin).json()
        #expect(after["status"] as? String == "ACTIVE")
        #expect(try server.curl("GET", "/api/ca/v1/cas/\(fixture.caID)", token: fixture.admin).json()["status"] as? String == "ACTIVE")
    }

    @Test func revokingACAStopsItsWholeBranch() async throws {
        let fixture = try await RevocationFixture.make("revoke-ca")
        let server = fixture.server
        let leaf = try fixture.issue()
        let childID = unique("revoke-child")
        // A CA certifies subordinate CAs only under a profile it names.
        try fixture.allow("subordinate-ca")
        let child = try server.curl("POST", "/api/ca/v1/cas", token: fixture.admin, body: try server.json([
            "id": childID, "parent_id": fixture.caID, "subject": ["common_name": "Child"], "key_type": "ECDSA", "key_size": 256,
            "profile_id": "subordinate-ca", "ca_issuance_profile_id": "iot-device",
        ]))
        #expect(child.status == 201, "\(child.text)")
        let childFixture = RevocationFixture(server: server, caID: childID, admin: fixture.admin, caFile: fixture.caFile, chainFile: fixture.chainFile)
        let grandchild = try childFixture.issue()

        #expect(try server.curl("POST", "/api/ca/v1/cas/\(fixture.caID)/status", token: server.token(["operator"]), body: try server.json(["status": "REVOKED"])).status == 403)
        #expect(try server.curl("POST", "/api/ca/v1/cas/\(fixture.caID)/status", token: fixture.admin, body: try server.json(["status": "ACTIVE"])).status == 400)
        let revoked = try server.curl("POST", "/api/ca/v1/cas/\(fixture.caID)/status", token: fixture.admin, body: try server.json(["status": "REVOKED", "revocation_reason": "CACompromise"]))
        #expect(revoked.status == 200, "\(revoked.text)")
        #expect(try revoked.json()["revoked_cas"] as? [String] == [fixture.caID, childID].sorted())

        for (serial, reason) in [(leaf.serial, "CessationOfOperation"), (grandchild.serial, "CessationOfOperation")] {
            let certificate = try server.curl("GET", "/api/ca/v1/certificates/\(serial)", token: fixture.admin).json()
            #expect(certificate["status"] as? String == "REVOKED")
            #expect(certificate["revocation_reason"] as? String == reason)
        }
        let own = try server.curl("GET", "/api/ca/v1/cas/\(fixture.caID)", token: fixture.admin).json()
        #expect(own["status"] as? String == "REVOKED")
        let ownCertificate = try server.curl("GET", "/api/ca/v1/certificates/\(try #require(own["serial_number"] as? String))", token: fixture.admin).json()
        #expect(ownCertificate["revocation_reason"] as? String == "CACompromise")
        // Neither CA signs any more; revoking again is a conflict.
        let csr = try OpenSSLCSR.make(subject: "/CN=late", in: server.scratch)
        let refused = try server.curl("POST", "/api/ca/v1/cas/\(childID)/sign", token: fixture.admin, body: try server.json(["csr": String(decoding: csr, as: UTF8.self)]))
        #expect(refused.status == 422, "\(refused.text)")
        #expect(try Self.error(refused)["rule"] as? String == "ca.can_sign")
        #expect(try server.curl("POST", "/api/ca/v1/cas/\(fixture.caID)/status", token: fixture.admin, body: try server.json(["status": "REVOKED"])).status == 409)
        #expect(try server.curl("POST", "/api/ca/v1/cas/nope-\(unique("x"))/status", token: fixture.admin, body: try server.json(["status": "REVOKED"])).status == 404)
    }
}
