import Foundation
import Testing

/// `PATCH /devices/{id}`: tags, metadata, group and (by an admin only) the DMS owner change
/// after registration, each change a SHADOW-UPDATED event naming it; bad input changes nothing.
@Suite struct DeviceUpdateTests {
    static func shadowUpdates(_ fixture: RegistryFixture, _ device: String) throws -> [String] {
        let query = RegistryFixture.query([("filter", "kind[eq]SHADOW-UPDATED"), ("page_size", "100")])
        let result = try fixture.server.curl("GET", "/api/devmanager/v1/devices/\(device)/events?\(query)", token: fixture.token)
        guard result.status == 200 else { throw TestSetupError("events: \(result.text)") }
        return (try result.json()["list"] as? [[String: Any]] ?? []).compactMap { $0["detail"] as? String }
    }

    static func group(_ fixture: RegistryFixture) throws -> String {
        let id = unique("grp")
        let created = try fixture.post("/api/devmanager/v1/device-groups", ["id": id])
        guard created.status == 201 else { throw TestSetupError("group: \(created.text)") }
        return id
    }

    @Test func tagsMetadataAndGroupChangeWithAnEventEach() async throws {
        let fixture = try await RegistryFixture.make("update")
        let server = fixture.server
        let group = try Self.group(fixture)
        let device = unique("dev")
        #expect(try fixture.register(device, tags: ["a"], metadata: ["model": "s1"]).status == 201)
        let path = "/api/devmanager/v1/devices/\(device)"

        let changed = try server.curl("PATCH", path, token: fixture.token, body: try server.json(["tags": ["b", "c"], "metadata": ["model": "s2"], "group": group]))
        #expect(changed.status == 200, "\(changed.text)")
        #expect(try changed.json()["tags"] as? [String] == ["b", "c"])
        #expect(try changed.json()["metadata"] as? [String: String] == ["model": "s2"])
        #expect(try changed.json()["group"] as? String == group)
        #expect(Set(try Self.shadowUpdates(fixture, device)) == ["tags [a] → [b, c]", "metadata replaced", "group none → '\(group)'"])

        // The same values again change nothing and write no event.
        let again = try server.curl("PATCH", path, token: fixture.token, body: try server.json(["tags": ["b", "c"], "group": group]))
        #expect(again.status == 200, "\(again.text)")
        #expect(try Self.shadowUpdates(fixture, device).count == 3)

        let cleared = try server.curl("PATCH", path, token: fixture.token, body: try server.json(["group": NSNull()]))
        #expect(cleared.status == 200, "\(cleared.text)")
        #expect(try cleared.json()["group"] == nil)
        #expect(try Self.shadowUpdates(fixture, device).contains("group '\(group)' → none"))

        let big = String(repeating: "x", count: 70 << 10)
        let cases: [(String, Any, Int, String)] = [
            ("tags not a list", ["tags": "x"], 400, "tags: must be a list of strings"),
            ("bad tag", ["tags": ["a,b"]], 400, "tags[0]: tag 'a,b'"),
            ("unknown field", ["colour": "red"], 400, "colour: is not a known setting"),
            ("nothing", [String: Any](), 400, "body: changes nothing"),
            ("metadata not an object", ["metadata": [1]], 400, "metadata: must be a JSON object"),
            ("unknown group", ["group": "no-such-group", "tags": ["z"]], 422, "group: 'no-such-group' is not a device group"),
            ("metadata over 64 KiB", ["metadata": ["blob": big]], 422, "metadata: is "),
        ]
        for (what, body, status, message) in cases {
            let result = try server.curl("PATCH", path, token: fixture.token, body: try server.json(body))
            #expect(result.status == status, "\(what): \(result.text)")
            #expect((RegistryFixture.error(result)["message"] as? String)?.hasPrefix(message) == true, "\(what): \(result.text)")
        }
        let unchanged = try fixture.device(device)
        #expect(unchanged["tags"] as? [String] == ["b", "c"])
        #expect(unchanged["metadata"] as? [String: String] == ["model": "s2"])

        let missing = try server.curl("PATCH", "/api/devmanager/v1/devices/no-such-device", token: fixture.token, body: try server.json(["tags": ["a"]]))
        #expect(missing.status == 404)
        #expect(RegistryFixture.error(missing)["message"] as? String == "no device with id 'no-such-device'")
        #expect(try server.curl("PATCH", path, token: server.token(["auditor"]), body: try server.json(["tags": ["a"]])).status == 403)
    }

    @Test func onlyAnAdminMovesADeviceToAnotherDMSWhoseWindowsItThenFollows() async throws {
        let fixture = try await RegistryFixture.make("move")
        let server = fixture.server
        let other = unique("dms-move")
        // Windows longer than the certificate's year: a moved device is at once due for renewal.
        #expect(try fixture.post("/api/dmsmanager/v1/dms", try fixture.dmsDocument(id: other, preventive: "370d", critical: "1h")).status == 201)
        let device = unique("dev")
        try fixture.provisioned(device)
        #expect(try fixture.device(device)["status"] as? String == "ACTIVE")
        let path = "/api/devmanager/v1/devices/\(device)"

        let refused = try server.curl("PATCH", path, token: fixture.token, body: try server.json(["dms_owner": other]))
        #expect(refused.status == 403)
        #expect((RegistryFixture.error(refused)["message"] as? String)?.contains("needs the admin role") == true, "\(refused.text)")
        #expect(try fixture.device(device)["dms_owner"] as? String == fixture.dmsID)

        let admin = server.token(["admin"], subject: unique("mover"))
        let unknown = try server.curl("PATCH", path, token: admin, body: try server.json(["dms_owner": "no-such-dms"]))
        #expect(unknown.status == 422)
        #expect(RegistryFixture.error(unknown)["message"] as? String == "dms_owner: 'no-such-dms' is not a DMS")

        let moved = try server.curl("PATCH", path, token: admin, body: try server.json(["dms_owner": other]))
        #expect(moved.status == 200, "\(moved.text)")
        #expect(try moved.json()["dms_owner"] as? String == other)
        #expect(try moved.json()["status"] as? String == "RENEWAL_PENDING", "the windows of the new DMS apply")
        #expect(try Self.shadowUpdates(fixture, device) == ["dms_owner '\(fixture.dmsID)' → '\(other)'"])

        // The refused and the accepted move are both in the audit trail.
        let action = "PATCH \(path)"
        var outcomes: [String] = []
        #expect(try await RevocationFixture.eventuallyAsync(10) {
            outcomes = try await server.gate.environment.rows("SELECT outcome FROM audit_log WHERE action = \(action) ORDER BY recorded_at", as: String.self)
            return outcomes == ["403", "422", "200"]
        }, "\(outcomes)")
    }
}
