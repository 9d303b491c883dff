import Foundation
import Testing

/// `settings.device_settings.require_group`: every device of such a DMS is registered into
/// exactly one existing device group, through the API, a CSV import and a later change alike.
@Suite struct RequireGroupTests {
    /// A pre-registration DMS that requires a group.
    static func requiringDMS(_ fixture: RegistryFixture, mode: String = "PRE_REGISTRATION") throws -> (id: String, result: ServerFixture.HTTPResult) {
        let id = unique("dms-grp")
        var document = try fixture.dmsDocument(id: id)
        var settings = document["settings"] as? [String: Any] ?? [:]
        var enrollment = settings["enrollment_settings"] as? [String: Any] ?? [:]
        enrollment["registration_mode"] = mode
        settings["enrollment_settings"] = enrollment
        settings["device_settings"] = ["require_group": true]
        document["settings"] = settings
        return (id, try fixture.post("/api/dmsmanager/v1/dms", document))
    }

    @Test func theSettingIsShownAndRefusedWithJustInTimeRegistration() async throws {
        let fixture = try await RegistryFixture.make("reqgrp-set")
        let own = try fixture.server.curl("GET", "/api/dmsmanager/v1/dms/\(fixture.dmsID)", token: fixture.token).json()
        #expect((own["settings"] as? [String: Any])?["device_settings"] as? [String: Bool] == ["require_group": false], "the effective default is shown")

        let (_, created) = try Self.requiringDMS(fixture)
        #expect(created.status == 201, "\(created.text)")
        #expect((try created.json()["settings"] as? [String: Any])?["device_settings"] as? [String: Bool] == ["require_group": true])

        let (_, jitp) = try Self.requiringDMS(fixture, mode: "JITP")
        #expect(jitp.status == 400)
        #expect((RegistryFixture.error(jitp)["message"] as? String)?.hasPrefix("settings.device_settings.require_group: needs registration_mode PRE_REGISTRATION") == true, "\(jitp.text)")
        let (_, misspelt) = try {
            var document = try fixture.dmsDocument(id: unique("dms-grp"))
            var settings = document["settings"] as? [String: Any] ?? [:]
            settings["device_settings"] = ["require_groups": true]
            document["settings"] = settings
            return ("", try fixture.post("/api/dmsmanager/v1/dms", document))
        }()
        #expect(misspelt.status == 400)
        #expect((RegistryFixture.error(misspelt)["message"] as? String)?.hasPrefix("settings.device_settings.require_groups:") == true, "\(misspelt.text)")
    }

    @Test func registrationsWithoutAnExistingGroupAreRefused() async throws {
        let fixture = try await RegistryFixture.make("reqgrp")
        let server = fixture.server
        let (dms, created) = try Self.requiringDMS(fixture)
        #expect(created.status == 201, "\(created.text)")
        let group = try DeviceUpdateTests.group(fixture)

        let none = try fixture.register(unique("dev"), dms: dms)
        #expect(none.status == 422)
        #expect((RegistryFixture.error(none)["message"] as? String)?.hasPrefix("group: is required: DMS '\(dms)'") == true, "\(none.text)")
        let unknown = try fixture.register(unique("dev"), group: "no-such-group", dms: dms)
        #expect(unknown.status == 422)
        #expect(RegistryFixture.error(unknown)["message"] as? String == "group: 'no-such-group' is not a device group, and DMS '\(dms)' requires an existing one")
        let device = unique("dev")
        #expect(try fixture.register(device, group: group, dms: dms).status == 201)
        // Other DMSs keep free group labels.
        #expect(try fixture.register(unique("dev"), group: "any-label").status == 201)

        // Taking the device out of its group, or moving one in without a group, is refused too.
        let out = try server.curl("PATCH", "/api/devmanager/v1/devices/\(device)", token: fixture.token, body: try server.json(["group": NSNull()]))
        #expect(out.status == 422)
        #expect((RegistryFixture.error(out)["message"] as? String)?.hasPrefix("group: is required") == true, "\(out.text)")
        let admin = server.token(["admin"])
        let outsider = unique("dev")
        #expect(try fixture.register(outsider).status == 201)
        let moveBare = try server.curl("PATCH", "/api/devmanager/v1/devices/\(outsider)", token: admin, body: try server.json(["dms_owner": dms]))
        #expect(moveBare.status == 422, "\(moveBare.text)")
        let moveGrouped = try server.curl("PATCH", "/api/devmanager/v1/devices/\(outsider)", token: admin, body: try server.json(["dms_owner": dms, "group": group]))
        #expect(moveGrouped.status == 200, "\(moveGrouped.text)")

        // A group that devices must be in is not deleted from under them.
        let deleted = try server.curl("DELETE", "/api/devmanager/v1/device-groups/\(group)", token: fixture.token)
        #expect(deleted.status == 409)
        #expect(RegistryFixture.error(deleted)["message"] as? String == "device group '\(group)' holds 2 device(s) of DMSs that require a group; move them first")

        // CSV rows are checked the same way, each bad one reported by its row number.
        let prefix = unique("csv")
        let csv = "id,dms,group\n\(prefix)-1,\(dms),\(group)\n\(prefix)-2,\(dms),\n\(prefix)-3,\(dms),nope\n"
        let submitted = try server.curl("POST", "/api/devmanager/v1/devices/batch", token: fixture.token, body: Array(csv.utf8), contentType: "text/csv")
        #expect(submitted.status == 202, "\(submitted.text)")
        let id = try #require(try submitted.json()["id"] as? String)
        var job: [String: Any] = [:]
        #expect(try await RevocationFixture.eventually(60) {
            job = try server.curl("GET", "/api/devmanager/v1/jobs/\(id)", token: fixture.token).json()
            return job["status"] as? String == "DONE"
        }, "\(job)")
        #expect(job["succeeded"] as? Int == 1)
        let errors = (job["errors"] as? [[String: Any]] ?? []).map { ($0["row"] as? Int ?? 0, $0["message"] as? String ?? "") }
        #expect(errors.map(\.0) == [3, 4])
        #expect(errors.first?.1.hasPrefix("group: is required") == true, "\(errors)")
        #expect(errors.last?.1 == "group: 'nope' is not a device group, and DMS '\(dms)' requires an existing one", "\(errors)")
        #expect(try fixture.device("\(prefix)-1")["group"] as? String == group)
    }
}
