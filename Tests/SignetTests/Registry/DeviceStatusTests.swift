import Foundation
import Testing

/// A device's status is derived from its identity certificate, its DMS's windows and its
/// lifecycle, at every read; a status filter returns exactly the devices in that status.
@Suite struct DeviceStatusTests {
    @Test func everyStatusThroughRealCertificatesAndTheFilterAgrees() async throws {
        // Windows: RENEWAL_PENDING from 2h before notAfter, EXPIRING_SOON from 1h before.
        let fixture = try await RegistryFixture.make("status", preventive: "2h", critical: "1h")
        let day = try await fixture.profile(valid: "24h")
        let ninetyMinutes = try await fixture.profile(valid: "90m")
        let halfHour = try await fixture.profile(valid: "30m")
        let fewSeconds = try await fixture.profile(valid: "3s")

        let active = unique("active"), pending = unique("pending"), soon = unique("soon"), expired = unique("expired")
        let noIdentity = unique("none"), revoked = unique("revoked"), decommissioned = unique("decom"), held = unique("held")
        try fixture.provisioned(expired, profile: fewSeconds)
        try fixture.provisioned(active, profile: day)
        try fixture.provisioned(pending, profile: ninetyMinutes)
        try fixture.provisioned(soon, profile: halfHour)
        #expect(try fixture.register(noIdentity).status == 201)
        let revokedSerial = try fixture.provisioned(revoked, profile: day)
        try fixture.provisioned(decommissioned, profile: day)
        let heldSerial = try fixture.provisioned(held, profile: day)

        // Revocation through the certificate API (not the registry) reaches the device.
        #expect(try fixture.ca.setStatus(revokedSerial, ["status": "REVOKED", "revocation_reason": "KeyCompromise"]).status == 200)
        #expect(try fixture.ca.setStatus(heldSerial, ["status": "REVOKED", "revocation_reason": "CertificateHold"]).status == 200)
        #expect(try fixture.server.curl("DELETE", "/api/devmanager/v1/devices/\(decommissioned)/decommission", token: fixture.token).status == 200)
        try await Task.sleep(for: .seconds(4))

        let expected: [String: Set<String>] = [
            "ACTIVE": [active], "RENEWAL_PENDING": [pending], "EXPIRING_SOON": [soon], "EXPIRED": [expired],
            "NO_IDENTITY": [noIdentity], "REVOKED": [revoked, held], "DECOMMISSIONED": [decommissioned],
        ]
        for (status, devices) in expected {
            #expect(Set(try fixture.ids(["status[eq]\(status)"])) == devices, "filter status[eq]\(status)")
            for device in devices { #expect(try fixture.device(device)["status"] as? String == status, "\(device)") }
        }
        #expect(Set(try fixture.ids(["status[ne]ACTIVE"])) == Set(expected.filter { $0.key != "ACTIVE" }.values.joined()))
        #expect(Set(try fixture.ids(["status[in]EXPIRED,EXPIRING_SOON"])) == [expired, soon])

        // The stats agree with the filter.
        let stats = try fixture.server.curl("GET", "/api/devmanager/v1/stats?" + RegistryFixture.query([("filter", "dms_owner[eq]\(fixture.dmsID)")]), token: fixture.token)
        let counts = try #require(try stats.json()["status"] as? [String: Int])
        for (status, devices) in expected { #expect(counts[status] == devices.count, "stats \(status)") }
        #expect(try stats.json()["total"] as? Int == 8)

        // A lifted hold is ACTIVE again, through the same trigger.
        #expect(try fixture.ca.setStatus(heldSerial, ["status": "ACTIVE"]).status == 200)
        #expect(try fixture.device(held)["status"] as? String == "ACTIVE")

        // Wider windows in the DMS move every device's boundaries at once.
        var document = try fixture.dmsDocument(id: fixture.dmsID, preventive: "48h", critical: "36h")
        document.removeValue(forKey: "metadata")
        let replaced = try fixture.server.curl("PUT", "/api/dmsmanager/v1/dms/\(fixture.dmsID)", token: fixture.token, body: try fixture.server.json(document))
        #expect(replaced.status == 200, "\(replaced.text)")
        #expect(Set(try fixture.ids(["status[eq]EXPIRING_SOON"])) == [active, held, pending, soon])
        #expect(try fixture.ids(["status[eq]ACTIVE"]).isEmpty)
    }

    @Test func renewalMakesANewVersionAndKeepsTheOldOne() async throws {
        let fixture = try await RegistryFixture.make("renew")
        let shortLived = try await fixture.profile(valid: "30m")
        let device = unique("renewing")
        let first = try fixture.provisioned(device, profile: shortLived)
        #expect(try fixture.device(device)["status"] as? String == "EXPIRING_SOON")

        let second = try fixture.issue(for: device)
        let renewed = try fixture.bind(device, second.serial, mode: "REENROLLMENT")
        #expect(renewed.status == 200, "\(renewed.text)")
        let body = try renewed.json()
        #expect(body["status"] as? String == "ACTIVE")
        #expect((body["identity"] as? [String: Any])?["serial_number"] as? String == second.serial)
        let slot = try #require((body["slots"] as? [[String: Any]])?.first { $0["slot"] as? String == "identity" })
        #expect(slot["active_version"] as? Int == 2)
        #expect((slot["versions"] as? [[String: Any]])?.compactMap { $0["serial_number"] as? String } == [first, second.serial])

        let events = try fixture.server.curl("GET", "/api/devmanager/v1/devices/\(device)/events", token: fixture.token).json()
        #expect((events["list"] as? [[String: Any]])?.compactMap { $0["kind"] as? String } == ["CREATED", "PROVISIONED", "RENEWED"])
    }
}
