import Foundation
import Testing

/// Device groups: membership computed from criteria, children within their ancestors, no cycles.
@Suite struct DeviceGroupTests {
    @Test func membersSatisfyTheirGroupAndEveryAncestor() async throws {
        let fixture = try await RegistryFixture.make("groups")
        let server = fixture.server
        let inLine = unique("a"), inLineBeta = unique("b"), elsewhere = unique("c")
        #expect(try fixture.register(inLine, tags: ["line-3"]).status == 201)
        #expect(try fixture.register(inLineBeta, tags: ["line-3", "beta"], metadata: ["model": "s2"]).status == 201)
        #expect(try fixture.register(elsewhere, tags: ["beta"], metadata: ["model": "s2"]).status == 201)
        try fixture.provisioned(unique("d"))

        let parent = unique("line3"), child = unique("line3-s2")
        let created = try fixture.post("/api/devmanager/v1/device-groups", ["id": parent, "name": "Line 3", "criteria": ["dms_owner[eq]\(fixture.dmsID)", "tags[eq]line-3"]])
        #expect(created.status == 201, "\(created.text)")
        #expect(try fixture.post("/api/devmanager/v1/device-groups", ["id": child, "parent_id": parent, "criteria": ["metadata.model[eq]s2"]]).status == 201)

        func members(_ group: String, _ filters: [String] = []) throws -> Set<String> {
            let query = RegistryFixture.query(filters.map { ("filter", $0) })
            let result = try server.curl("GET", "/api/devmanager/v1/device-groups/\(group)/devices?\(query)", token: fixture.token)
            return Set((try result.json()["list"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String })
        }
        #expect(try members(parent) == [inLine, inLineBeta])
        #expect(try members(child) == [inLineBeta], "the child's criteria alone would also match \(elsewhere)")
        #expect(try members(parent, ["tags[eq]beta"]) == [inLineBeta])
        let stats = try server.curl("GET", "/api/devmanager/v1/device-groups/\(parent)/stats", token: fixture.token).json()
        #expect(stats["total"] as? Int == 2)
        #expect((stats["status"] as? [String: Int])?["NO_IDENTITY"] == 2)

        // A parent that would make a cycle, an unknown parent, an unknown criteria field.
        let cycle = try server.curl("PUT", "/api/devmanager/v1/device-groups/\(parent)", token: fixture.token, body: try server.json(["parent_id": child, "criteria": []]))
        #expect(cycle.status == 409)
        #expect(RegistryFixture.error(cycle)["message"] as? String == "parent_id '\(child)' would make a cycle: \(parent) → \(child) → \(parent)")
        #expect(try members(parent) == [inLine, inLineBeta], "nothing changed")
        let orphan = try fixture.post("/api/devmanager/v1/device-groups", ["id": unique("g"), "parent_id": "no-such-group"])
        #expect(orphan.status == 422)
        let badField = try fixture.post("/api/devmanager/v1/device-groups", ["id": unique("g"), "criteria": ["colour[eq]red"]])
        #expect(badField.status == 400)
        #expect((RegistryFixture.error(badField)["message"] as? String)?.hasPrefix("criteria[0]:") == true, "\(badField.text)")
        #expect(try fixture.post("/api/devmanager/v1/device-groups", ["id": parent]).status == 409)

        // A parent with children stays; the child can go, then the parent.
        #expect(try server.curl("DELETE", "/api/devmanager/v1/device-groups/\(parent)", token: fixture.token).status == 409)
        #expect(try server.curl("DELETE", "/api/devmanager/v1/device-groups/\(child)", token: fixture.token).status == 204)
        #expect(try server.curl("DELETE", "/api/devmanager/v1/device-groups/\(parent)", token: fixture.token).status == 204)
        #expect(try server.curl("GET", "/api/devmanager/v1/device-groups/\(parent)/devices", token: fixture.token).status == 404)
    }
}
