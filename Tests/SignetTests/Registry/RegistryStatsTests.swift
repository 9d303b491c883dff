import Foundation
import Testing

/// `GET …/stats` take the very filters their lists take, and count what the list returns:
/// a dashboard's count and the page behind it never disagree, and a filter refused by one
/// is refused by the other with the same message.
@Suite struct RegistryStatsTests {
    @Test func dmsStatsAcceptTheFiltersOfTheDMSList() async throws {
        let fixture = try await RegistryFixture.make("dms-stats")
        let other = unique("dms-stats-other")
        var document = try fixture.dmsDocument(id: other)
        document["name"] = "Gateways"
        #expect(try fixture.post("/api/dmsmanager/v1/dms", document).status == 201)
        let patched = try fixture.server.curl("PATCH", "/api/dmsmanager/v1/dms/\(fixture.dmsID)/metadata", token: fixture.token,
                                              body: try fixture.server.json(["patches": [["op": "add", "path": "/site", "value": "north"]]]))
        #expect(patched.status == 200, "\(patched.text)")

        // Each also names the fixture's prefix, so that other tests' DMSs do not count.
        let ours = "id[ct]dms-stats"
        let cases: [([String], Int)] = [
            ([ours], 2),
            (["id[eq]\(fixture.dmsID)"], 1),
            (["id[in]\(fixture.dmsID),\(other)"], 2),
            ([ours, "name[ct_ic]GATEWAY"], 1),
            ([ours, "name[ne]Gateways"], 1),
            ([ours, "issuance_profile_id[eq]iot-device"], 2),
            ([ours, "created_at[af]2020-01-01T00:00:00Z"], 2),
            ([ours, "created_at[bf]2020-01-01T00:00:00Z"], 0),
            ([ours, "metadata.site[eq]north"], 1),
        ]
        for (filters, expected) in cases {
            let query = RegistryFixture.query(filters.map { ("filter", $0) })
            let list = try fixture.server.curl("GET", "/api/dmsmanager/v1/dms?page_size=100&" + query, token: fixture.token)
            let stats = try fixture.server.curl("GET", "/api/dmsmanager/v1/stats?" + query, token: fixture.token)
            #expect(list.status == 200 && stats.status == 200, "\(filters): list \(list.text) stats \(stats.text)")
            let listed = (try? list.json()["list"] as? [[String: Any]])?.count
            #expect(listed == expected, "\(filters): list \(list.text)")
            #expect((try? stats.json()["count"] as? Int) == expected, "\(filters): stats \(stats.text)")
        }
        try Self.bothRefuse(fixture, list: "/api/dmsmanager/v1/dms", stats: "/api/dmsmanager/v1/stats", filters: ["owner[eq]x", "created_at[af]yesterday", "metadata[eq]north", "metadata.a b[eq]x"])
    }

    @Test func deviceStatsAcceptTheFiltersOfTheDeviceList() async throws {
        let fixture = try await RegistryFixture.make("dev-stats")
        let prefix = unique("dev-stats")
        #expect(try fixture.register("\(prefix)-a", tags: ["line-3", "north"], metadata: ["model": "s1"]).status == 201)
        #expect(try fixture.register("\(prefix)-b", tags: ["line-3"], metadata: ["model": "s2"]).status == 201)
        let serial = try fixture.provisioned("\(prefix)-c")
        #expect(try fixture.server.curl("POST", "/api/devmanager/v1/devices/\(prefix)-b/disable", token: fixture.token).status == 200)

        let ours = "dms_owner[eq]\(fixture.dmsID)"
        let cases: [([String], Int)] = [
            ([ours], 3),
            (["id[ct]\(prefix)"], 3),
            ([ours, "id[eq]\(prefix)-a"], 1),
            ([ours, "tags[eq]line-3"], 2),
            ([ours, "tags[in]north,south"], 1),
            ([ours, "metadata.model[eq]s2"], 1),
            ([ours, "enabled[eq]false"], 1),
            ([ours, "group[eq]no-such-group"], 0),
            ([ours, "identity_serial[eq]\(serial)"], 1),
            ([ours, "identity_expires_at[af]2020-01-01T00:00:00Z"], 1),
            ([ours, "created_at[af]2020-01-01T00:00:00Z"], 3),
            ([ours, "status[eq]NO_IDENTITY"], 2),
            ([ours, "status[in]ACTIVE,REVOKED"], 1),
            ([ours, "status[ne]NO_IDENTITY"], 1),
        ]
        for (filters, expected) in cases {
            let query = RegistryFixture.query(filters.map { ("filter", $0) })
            let list = try fixture.server.curl("GET", "/api/devmanager/v1/devices?page_size=100&" + query, token: fixture.token)
            let stats = try fixture.server.curl("GET", "/api/devmanager/v1/stats?" + query, token: fixture.token)
            #expect(list.status == 200 && stats.status == 200, "\(filters): list \(list.text) stats \(stats.text)")
            let listed = (try? list.json()["list"] as? [[String: Any]])?.map { $0["status"] as? String ?? "" } ?? []
            #expect(listed.count == expected, "\(filters): list \(list.text)")
            #expect((try? stats.json()["total"] as? Int) == expected, "\(filters): stats \(stats.text)")
            // Per status too: the stats count what the list shows.
            let counts = (try? stats.json()["status"] as? [String: Int]) ?? [:]
            for status in Set(listed) { #expect(counts[status] == listed.filter { $0 == status }.count, "\(filters): \(status) in \(stats.text)") }
        }
        try Self.bothRefuse(fixture, list: "/api/devmanager/v1/devices", stats: "/api/devmanager/v1/stats", filters: ["status[eq]FINE", "owner[eq]x", "enabled[eq]maybe"])
    }

    /// A filter the list refuses is refused by the stats too, with the same 400 and message.
    static func bothRefuse(_ fixture: RegistryFixture, list: String, stats: String, filters: [String]) throws {
        for filter in filters {
            let query = RegistryFixture.query([("filter", filter)])
            let listed = try fixture.server.curl("GET", list + "?" + query, token: fixture.token)
            let counted = try fixture.server.curl("GET", stats + "?" + query, token: fixture.token)
            #expect(listed.status == 400 && counted.status == 400, "\(filter): list \(listed.text) stats \(counted.text)")
            let message = RegistryFixture.error(listed)["message"] as? String
            #expect(message != nil && message == RegistryFixture.error(counted)["message"] as? String, "\(filter): \(listed.text) vs \(counted.text)")
        }
    }
}
