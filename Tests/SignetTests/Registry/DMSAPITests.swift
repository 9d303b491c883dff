import Foundation
import Testing

/// `/api/dmsmanager/v1`: DMSs are read strictly, checked against the CAs and profiles they
/// name, and cannot be deleted from under their devices.
@Suite struct DMSAPITests {
    @Test func createReadListReplaceAndCount() async throws {
        let fixture = try await RegistryFixture.make("dms")
        let server = fixture.server
        let read = try server.curl("GET", "/api/dmsmanager/v1/dms/\(fixture.dmsID)", token: server.token(["auditor"]))
        #expect(read.status == 200)
        let settings = try #require(try read.json()["settings"] as? [String: Any])
        #expect(settings["issuance_profile_id"] as? String == "iot-device")
        #expect(try read.json()["name"] as? String == "Sensors enrolling just in time")

        let listed = try server.curl("GET", "/api/dmsmanager/v1/dms?" + RegistryFixture.query([("filter", "id[eq]\(fixture.dmsID)")]), token: fixture.token)
        #expect((try listed.json()["list"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [fixture.dmsID])
        let count = try server.curl("GET", "/api/dmsmanager/v1/stats?" + RegistryFixture.query([("filter", "id[eq]\(fixture.dmsID)")]), token: fixture.token)
        #expect(try count.json()["count"] as? Int == 1)

        #expect(try fixture.post("/api/dmsmanager/v1/dms", try fixture.dmsDocument(id: fixture.dmsID)).status == 409)
        #expect(try fixture.post("/api/dmsmanager/v1/dms", try fixture.dmsDocument(id: unique("dms")), token: server.token(["auditor"])).status == 403)

        var document = try fixture.dmsDocument(id: fixture.dmsID, preventive: "10d", critical: "2d")
        document["name"] = "Renamed"
        let replaced = try server.curl("PUT", "/api/dmsmanager/v1/dms/\(fixture.dmsID)", token: fixture.token, body: try server.json(document))
        #expect(replaced.status == 200, "\(replaced.text)")
        #expect(try replaced.json()["name"] as? String == "Renamed")
        let mismatch = try server.curl("PUT", "/api/dmsmanager/v1/dms/other", token: fixture.token, body: try server.json(document))
        #expect(mismatch.status == 400)
        #expect(RegistryFixture.error(mismatch)["message"] as? String == "id: '\(fixture.dmsID)' does not match the URL's 'other'")
    }

    @Test func invalidSettingsNameTheField() async throws {
        let fixture = try await RegistryFixture.make("dms-bad")
        func attempt(_ change: (inout [String: Any]) -> Void) throws -> ServerFixture.HTTPResult {
            var document = try fixture.dmsDocument(id: fixture.dmsID + "-" + unique("x"))
            var settings = document["settings"] as? [String: Any] ?? [:]
            change(&settings)
            document["settings"] = settings
            return try fixture.post("/api/dmsmanager/v1/dms", document)
        }
        func edit(_ settings: inout [String: Any], _ key: String, _ change: (inout [String: Any]) -> Void) {
            var inner = settings[key] as? [String: Any] ?? [:]
            change(&inner)
            settings[key] = inner
        }
        let cases: [(String, (inout [String: Any]) -> Void, Int, String)] = [
            ("critical longer than preventive", { edit(&$0, "reenrollment_settings") { $0["critical_delta"] = "3h" } }, 400, "settings.reenrollment_settings.critical_delta"),
            ("a year-long duration", { edit(&$0, "reenrollment_settings") { $0["preventive_delta"] = "1y" } }, 400, "settings.reenrollment_settings.preventive_delta"),
            ("unknown setting", { $0["enrolment_settings"] = [:] }, 400, "settings.enrolment_settings"),
            ("unknown enrollment CA", { edit(&$0, "enrollment_settings") { $0["enrollment_ca"] = "nowhere" } }, 422, "settings.enrollment_settings.enrollment_ca"),
            ("CA profile", { $0["issuance_profile_id"] = "subordinate-ca" }, 422, "settings.issuance_profile_id"),
            ("unknown validation CA", {
                edit(&$0, "enrollment_settings") { $0["est_rfc7030_settings"] = ["auth_mode": "CLIENT_CERTIFICATE", "client_certificate_settings": ["validation_cas": ["nowhere"]]] }
            }, 422, "settings.enrollment_settings.est_rfc7030_settings.client_certificate_settings.validation_cas[0]"),
        ]
        for (what, change, status, field) in cases {
            let result = try attempt(change)
            #expect(result.status == status, "\(what): \(result.text)")
            #expect((RegistryFixture.error(result)["message"] as? String)?.hasPrefix(field + ":") == true, "\(what): \(result.text)")
        }
        let notJSON = try fixture.server.curl("POST", "/api/dmsmanager/v1/dms", token: fixture.token, body: Array("{".utf8))
        #expect(notJSON.status == 400)
        let wrongType = try fixture.server.curl("POST", "/api/dmsmanager/v1/dms", token: fixture.token, body: Array("{}".utf8), contentType: "text/plain")
        #expect(wrongType.status == 415)
        let listed = try fixture.server.curl("GET", "/api/dmsmanager/v1/stats?" + RegistryFixture.query([("filter", "id[ct]\(fixture.dmsID)")]), token: fixture.token)
        #expect(try listed.json()["count"] as? Int == 1, "only the fixture's own DMS exists: \(listed.text)")
    }

    @Test func metadataPatchesApplyWhollyOrNotAtAll() async throws {
        let fixture = try await RegistryFixture.make("dms-meta")
        let path = "/api/dmsmanager/v1/dms/\(fixture.dmsID)/metadata"
        let added = try fixture.server.curl("PATCH", path, token: fixture.token, body: try fixture.server.json(["patches": [["op": "add", "path": "/site", "value": "north"]]]))
        #expect(added.status == 200, "\(added.text)")
        let failed = try fixture.server.curl("PATCH", path, token: fixture.token, body: try fixture.server.json(["patches": [
            ["op": "add", "path": "/owner", "value": "ops"], ["op": "test", "path": "/site", "value": "south"],
        ]]))
        #expect(failed.status == 409)
        let metadata = try fixture.server.curl("GET", "/api/dmsmanager/v1/dms/\(fixture.dmsID)", token: fixture.token).json()["metadata"] as? [String: Any]
        #expect(metadata?["site"] as? String == "north")
        #expect(metadata?["owner"] == nil)
    }

    @Test func aDMSWithLiveDevicesOrAProfileInUseIsNotDeleted() async throws {
        let fixture = try await RegistryFixture.make("dms-del")
        let profile = try await fixture.profile(valid: "24h")
        var document = try fixture.dmsDocument(id: unique("dms-del"))
        var settings = document["settings"] as? [String: Any] ?? [:]
        settings["issuance_profile_id"] = profile
        document["settings"] = settings
        let dms = document["id"] as? String ?? ""
        #expect(try fixture.post("/api/dmsmanager/v1/dms", document).status == 201)

        let profileDelete = try fixture.server.curl("DELETE", "/api/ca/v1/profiles/\(profile)", token: fixture.server.token(["admin"]))
        #expect(profileDelete.status == 409)
        #expect((RegistryFixture.error(profileDelete)["message"] as? String)?.contains("dms:\(dms)") == true, "\(profileDelete.text)")

        let device = unique("owned")
        #expect(try fixture.register(device, dms: dms).status == 201)
        let refused = try fixture.server.curl("DELETE", "/api/dmsmanager/v1/dms/\(dms)", token: fixture.token)
        #expect(refused.status == 409)
        #expect(RegistryFixture.error(refused)["message"] as? String == "DMS '\(dms)' owns 1 device(s) that are not decommissioned")
        #expect(try fixture.server.curl("DELETE", "/api/devmanager/v1/devices/\(device)/decommission", token: fixture.token).status == 200)
        #expect(try fixture.server.curl("DELETE", "/api/dmsmanager/v1/dms/\(dms)", token: fixture.token).status == 204)
        #expect(try fixture.server.curl("GET", "/api/dmsmanager/v1/dms/\(dms)", token: fixture.token).status == 404)
        // The decommissioned device keeps its history and the name of its DMS.
        #expect(try fixture.device(device)["dms_owner"] as? String == dms)
    }
}
