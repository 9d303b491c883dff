import Foundation
import SignetStore
import Testing

/// Registration, enable/disable, decommission and deletion, each with its event; what is
/// refused is refused with a 4xx that names the problem, and changes nothing.
@Suite struct DeviceLifecycleTests {
    @Test func registrationRefusalsNameTheProblem() async throws {
        let fixture = try await RegistryFixture.make("register")
        let device = unique("dev")
        let created = try fixture.register(device, tags: ["line-3", "beta"], metadata: ["model": "s1"], group: "plant-a")
        #expect(created.status == 201, "\(created.text)")
        let body = try created.json()
        #expect(body["status"] as? String == "NO_IDENTITY")
        #expect(body["enabled"] as? Bool == true)
        #expect(body["tags"] as? [String] == ["line-3", "beta"])
        #expect(body["group"] as? String == "plant-a")

        let cases: [(String, ServerFixture.HTTPResult, Int, String)] = [
            ("duplicate", try fixture.register(device), 409, "device '\(device)' is already registered"),
            ("unknown DMS", try fixture.register(unique("dev"), dms: "no-such-dms"), 422, "dms_owner 'no-such-dms' is not a DMS"),
            ("bad id", try fixture.register("has space"), 400, "id: 'has space' must be"),
            ("bad tag", try fixture.register(unique("dev"), tags: ["a,b"]), 400, "tags[0]: tag 'a,b'"),
            ("unknown field", try fixture.post("/api/devmanager/v1/devices", ["id": unique("dev"), "dms_owner": fixture.dmsID, "colour": "red"]), 400, "colour: is not a known setting"),
        ]
        for (what, result, status, message) in cases {
            #expect(result.status == status, "\(what): \(result.text)")
            #expect((RegistryFixture.error(result)["message"] as? String)?.hasPrefix(message) == true, "\(what): \(result.text)")
        }
        #expect(try fixture.ids([]) == [device])

        // Filters on tags, group and metadata.
        #expect(try fixture.ids(["tags[eq]beta"]) == [device])
        #expect(try fixture.ids(["tags[in]x,line-3"]) == [device])
        #expect(try fixture.ids(["tags[ne]beta"]).isEmpty)
        #expect(try fixture.ids(["group[eq]plant-a", "metadata.model[eq]s1"]) == [device])
        let unknown = try fixture.server.curl("GET", "/api/devmanager/v1/devices?filter=colour%5Beq%5Dred", token: fixture.token)
        #expect(unknown.status == 400)
    }

    @Test func disableEnableAndMetadataAreEvents() async throws {
        let fixture = try await RegistryFixture.make("toggle")
        let device = unique("dev")
        try fixture.provisioned(device)
        let base = "/api/devmanager/v1/devices/\(device)"
        let disabled = try fixture.server.curl("POST", "\(base)/disable", token: fixture.token)
        #expect(disabled.status == 200)
        #expect(try disabled.json()["enabled"] as? Bool == false)
        #expect(try disabled.json()["status"] as? String == "ACTIVE", "enabled is separate from status")
        #expect(try fixture.ids(["enabled[eq]false"]) == [device])
        #expect(try fixture.server.curl("POST", "\(base)/disable", token: fixture.token).status == 200)
        // A disabled device gets no new credential.
        let refused = try fixture.bind(device, try fixture.issue(for: device).serial, mode: "REENROLLMENT")
        #expect(refused.status == 409)
        #expect(RegistryFixture.error(refused)["message"] as? String == "device '\(device)' is disabled; enable it first")
        #expect(try fixture.server.curl("POST", "\(base)/enable", token: fixture.token).status == 200)

        let patched = try fixture.server.curl("PATCH", "\(base)/metadata", token: fixture.token, body: try fixture.server.json([["op": "add", "path": "/firmware", "value": "1.2"]]), contentType: "application/json-patch+json")
        #expect(patched.status == 200, "\(patched.text)")
        let failing = try fixture.server.curl("PATCH", "\(base)/metadata", token: fixture.token, body: try fixture.server.json(["patches": [["op": "test", "path": "/firmware", "value": "9"]]]))
        #expect(failing.status == 409)

        let events = try fixture.server.curl("GET", "\(base)/events", token: fixture.server.token(["auditor"])).json()["list"] as? [[String: Any]] ?? []
        #expect(events.compactMap { $0["kind"] as? String } == ["CREATED", "PROVISIONED", "DISABLED", "ENABLED", "SHADOW-UPDATED"])
        #expect(events.allSatisfy { ($0["actor"] as? String)?.hasPrefix("jwt:") == true })
        let filtered = try fixture.server.curl("GET", "\(base)/events?filter=kind%5Beq%5DDISABLED", token: fixture.token).json()["list"] as? [[String: Any]]
        #expect(filtered?.count == 1)
        #expect(try fixture.server.curl("GET", "/api/devmanager/v1/devices/nobody/events", token: fixture.token).status == 404)
    }

    @Test func decommissionRevokesEveryCertificateAndIsFinal() async throws {
        let fixture = try await RegistryFixture.make("decom")
        let device = unique("dev")
        let identity = try fixture.provisioned(device)
        // A second slot with a TLS server certificate.
        let tls = try fixture.issue(for: device)
        let slot = try fixture.server.curl("PUT", "/api/devmanager/v1/devices/\(device)/slots/tls-server", token: fixture.token,
                                           body: try fixture.server.json(["type": "x509", "certificate_serial_number": tls.serial]))
        #expect(slot.status == 200, "\(slot.text)")

        let done = try fixture.server.curl("DELETE", "/api/devmanager/v1/devices/\(device)/decommission", token: fixture.token)
        #expect(done.status == 200, "\(done.text)")
        #expect(try done.json()["status"] as? String == "DECOMMISSIONED")
        let slots = try done.json()["slots"] as? [[String: Any]] ?? []
        #expect(Set(slots.compactMap { $0["status"] as? String }) == ["REVOKED"])
        for serial in [identity, tls.serial] {
            let answer = try fixture.ca.ocsp(["-serial", "0x\(serial)"])
            #expect(answer.verified && answer.text.contains("Reason: cessationOfOperation"), "\(answer.text)")
        }

        // Terminal: no re-enabling, no new identity, no second registration.
        #expect(try fixture.server.curl("POST", "/api/devmanager/v1/devices/\(device)/enable", token: fixture.token).status == 409)
        let fresh = try fixture.issue(for: device)
        #expect(try fixture.bind(device, fresh.serial).status == 409)
        #expect(try fixture.register(device).status == 409)
        #expect(try fixture.server.curl("DELETE", "/api/devmanager/v1/devices/\(device)/decommission", token: fixture.token).status == 200)
        let events = try fixture.server.curl("GET", "/api/devmanager/v1/devices/\(device)/events", token: fixture.token).json()["list"] as? [[String: Any]] ?? []
        let updates = events.filter { $0["kind"] as? String == "STATUS-UPDATED" }.compactMap { $0["detail"] as? String }
        #expect(Set(updates) == ["slot identity: certificate \(identity) revoked (CessationOfOperation)", "slot tls-server: certificate \(tls.serial) revoked (CessationOfOperation)"])

        // Deleted afterwards, the id stays retired.
        #expect(try fixture.server.curl("DELETE", "/api/devmanager/v1/devices/\(device)", token: fixture.token).status == 204)
        #expect(try fixture.server.curl("GET", "/api/devmanager/v1/devices/\(device)", token: fixture.token).status == 404)
        let again = try fixture.register(device)
        #expect(again.status == 409)
        #expect((RegistryFixture.error(again)["message"] as? String)?.contains("never reused") == true)
    }

    @Test func deletionNeedsDecommissionFirst() async throws {
        let fixture = try await RegistryFixture.make("delete")
        let device = unique("dev")
        #expect(try fixture.register(device).status == 201)
        let refused = try fixture.server.curl("DELETE", "/api/devmanager/v1/devices/\(device)", token: fixture.token)
        #expect(refused.status == 409)
        #expect(RegistryFixture.error(refused)["message"] as? String == "device '\(device)' must be decommissioned before it is deleted")
        #expect(try fixture.device(device)["status"] as? String == "NO_IDENTITY")
    }

    @Test func bindingRefusesCertificatesThatAreNotTheDevices() async throws {
        let fixture = try await RegistryFixture.make("bind")
        let device = unique("dev"), other = unique("dev")
        #expect(try fixture.register(device).status == 201)
        #expect(try fixture.register(other).status == 201)

        let foreign = try fixture.issue(for: other)
        let wrongName = try fixture.bind(device, foreign.serial)
        #expect(wrongName.status == 422)
        #expect(RegistryFixture.error(wrongName)["message"] as? String == "certificate \(foreign.serial) is for '\(other)', not device '\(device)'")

        let revoked = try fixture.issue(for: device)
        #expect(try fixture.ca.setStatus(revoked.serial, ["status": "REVOKED"]).status == 200)
        let revokedBind = try fixture.bind(device, revoked.serial)
        #expect(revokedBind.status == 422)
        #expect(RegistryFixture.error(revokedBind)["message"] as? String == "certificate \(revoked.serial) is revoked")
        let unknown = try fixture.bind(device, "abcdef0123")
        #expect(unknown.status == 422)
        #expect((RegistryFixture.error(unknown)["message"] as? String)?.contains("abcdef0123") == true, "\(unknown.text)")
        #expect(try fixture.bind("nobody", foreign.serial).status == 422)
        let mode = try fixture.bind(device, foreign.serial, mode: "SOMETIMES")
        #expect(mode.status == 400)

        let good = try fixture.issue(for: device)
        #expect(try fixture.bind(device, good.serial).status == 200)
        let twice = try fixture.bind(device, good.serial)
        #expect(twice.status == 409)
        #expect(RegistryFixture.error(twice)["message"] as? String == "certificate \(good.serial) is already the active version of slot identity")
        let replacement = try fixture.issue(for: device)
        #expect(try fixture.bind(device, replacement.serial).status == 200)
        let identity = try #require(try fixture.device(device))
        #expect(identity["status"] as? String == "ACTIVE")
        let slots = try fixture.server.curl("GET", "/api/devmanager/v1/devices/\(device)", token: fixture.token).json()["slots"] as? [[String: Any]]
        let slot = try #require(slots?.first { $0["slot"] as? String == "identity" })
        #expect(slot["active_version"] as? Int == 2)
        #expect((slot["versions"] as? [[String: Any]])?.compactMap { $0["serial_number"] as? String } == [good.serial, replacement.serial])
        let events = try fixture.server.curl("GET", "/api/devmanager/v1/devices/\(device)/events", token: fixture.token).json()
        let kinds = (events["list"] as? [[String: Any]] ?? []).compactMap { $0["kind"] as? String }
        #expect(Set(kinds) == ["CREATED", "PROVISIONED", "RE-PROVISIONED"], "\(events)")
    }

    @Test func slotsKeepEveryVersionOfTheirOwnType() async throws {
        let fixture = try await RegistryFixture.make("slots")
        let device = unique("dev")
        try fixture.provisioned(device)
        func put(_ slot: String, _ body: [String: Any]) throws -> ServerFixture.HTTPResult {
            try fixture.server.curl("PUT", "/api/devmanager/v1/devices/\(device)/slots/\(slot)", token: fixture.token, body: try fixture.server.json(body))
        }
        #expect(try put("ssh", ["type": "SSH_KEY", "secret_ref": "vault:ssh/\(device)/1"]).status == 200)
        let second = try put("ssh", ["type": "SSH_KEY", "secret_ref": "vault:ssh/\(device)/2"])
        #expect(second.status == 200, "\(second.text)")
        let ssh = try #require((try second.json()["slots"] as? [[String: Any]])?.first { $0["slot"] as? String == "ssh" })
        #expect(ssh["active_version"] as? Int == 2)
        #expect(ssh["secret_ref"] as? String == "vault:ssh/\(device)/2")
        #expect(ssh["status"] as? String == "ACTIVE")
        #expect((ssh["versions"] as? [[String: Any]])?.compactMap { $0["secret_ref"] as? String } == ["vault:ssh/\(device)/1", "vault:ssh/\(device)/2"])

        let cases: [(String, [String: Any], Int, String)] = [
            ("ssh", ["type": "TOKEN", "secret_ref": "t"], 409, "slot ssh holds SSH_KEY credentials, not TOKEN"),
            ("ssh", ["type": "x509", "certificate_serial_number": try fixture.issue(for: device).serial], 409, "slot ssh holds SSH_KEY credentials, not certificates"),
            ("identity", ["type": "OTHER", "secret_ref": "x"], 400, "type: the identity slot holds x509 certificates"),
            ("Bad-Slot", ["type": "OTHER", "secret_ref": "x"], 400, "slot: 'Bad-Slot' must be"),
            ("ssh", ["type": "PGP", "secret_ref": "x"], 400, "type: must be one of x509, SSH_KEY, TOKEN, OTHER, got 'PGP'"),
            ("ssh", ["type": "SSH_KEY"], 400, "secret_ref: is required"),
        ]
        for (slot, body, status, message) in cases {
            let result = try put(slot, body)
            #expect(result.status == status, "\(slot) \(body): \(result.text)")
            #expect((RegistryFixture.error(result)["message"] as? String)?.hasPrefix(message) == true, "\(slot) \(body): \(result.text)")
        }
        #expect(try fixture.device(device)["status"] as? String == "ACTIVE")
    }
}
