import Foundation
import Testing

/// `POST /devices/batch`: a CSV file becomes a job; good rows are registered, bad rows are
/// reported by number with the reason, and no row is half-written.
@Suite struct DeviceImportTests {
    @Test func aHundredThousandRowsWithSomeBadOnes() async throws {
        let fixture = try await RegistryFixture.make("import")
        let prefix = unique("imp")
        let duplicate = unique("dup")
        #expect(try fixture.register(duplicate).status == 201)

        var lines = ["id,dms,tags,metadata,group"]
        var bad: [Int: String] = [:]
        let rows = 100_000
        for index in 0..<rows {
            let row = index + 2
            switch index % 10_000 {
            case 17: lines.append("\(prefix)-\(index),no-such-dms,,,"); bad[row] = "is not a DMS"
            case 18: lines.append("bad id \(index),\(fixture.dmsID),,,"); bad[row] = "id: 'bad id"
            case 19: lines.append("\(prefix)-\(index),\(fixture.dmsID),,model,"); bad[row] = "metadata: 'model' is not key=value"
            case 20: lines.append("\(prefix)-\(index),\(fixture.dmsID)"); bad[row] = "row: has 2 fields"
            case 21: lines.append("\(duplicate),\(fixture.dmsID),,,"); bad[row] = "is already registered"
            case 22: lines.append("\"\(prefix)-\(index)\"x,\(fixture.dmsID),,,"); bad[row] = "row: a quote"
            default: lines.append("\(prefix)-\(index),\(fixture.dmsID),line-\(index % 7);fleet,\"model=s\(index % 3);batch=b1\",plant-\(index % 2)")
            }
        }
        let csv = Array((lines.joined(separator: "\r\n") + "\r\n").utf8)
        let submitted = try fixture.server.curl("POST", "/api/devmanager/v1/devices/batch", token: fixture.token, body: csv, contentType: "text/csv")
        #expect(submitted.status == 202, "\(submitted.text)")
        let id = try #require(try submitted.json()["id"] as? String)
        #expect(submitted.header("Location") == "/api/devmanager/v1/jobs/\(id)")
        #expect(try submitted.json()["total_rows"] as? Int == rows)

        var job: [String: Any] = [:]
        #expect(try await RevocationFixture.eventually(240) {
            job = try fixture.server.curl("GET", "/api/devmanager/v1/jobs/\(id)", token: fixture.token).json()
            return job["status"] as? String == "DONE"
        }, "job: \(job.filter { $0.key != "errors" })")
        #expect(job["succeeded"] as? Int == rows - bad.count)
        #expect(job["failed"] as? Int == bad.count)
        let errors = job["errors"] as? [[String: Any]] ?? []
        #expect(errors.compactMap { $0["row"] as? Int } == bad.keys.sorted())
        for error in errors {
            let row = error["row"] as? Int ?? 0, message = error["message"] as? String ?? ""
            #expect(message.contains(bad[row] ?? "?"), "row \(row): \(message)")
        }

        // Good rows are whole: tags, metadata, group and a CREATED event each.
        let sample = "\(prefix)-\(12_345)"
        let device = try fixture.device(sample)
        #expect(device["tags"] as? [String] == ["line-4", "fleet"])
        #expect(device["metadata"] as? [String: String] == ["model": "s0", "batch": "b1"])
        #expect(device["group"] as? String == "plant-1")
        let count = try fixture.server.curl("GET", "/api/devmanager/v1/stats?" + RegistryFixture.query([("filter", "dms_owner[eq]\(fixture.dmsID)")]), token: fixture.token)
        #expect(try count.json()["total"] as? Int == rows - bad.count + 1)
    }

    @Test func unusableFilesAreRefusedBeforeAJobExists() async throws {
        let fixture = try await RegistryFixture.make("import-bad")
        func submit(_ text: String, type: String = "text/csv") throws -> ServerFixture.HTTPResult {
            try fixture.server.curl("POST", "/api/devmanager/v1/devices/batch", token: fixture.token, body: Array(text.utf8), contentType: type)
        }
        let noDMS = try submit("id,tags\nx,y\n")
        #expect(noDMS.status == 400)
        #expect(RegistryFixture.error(noDMS)["message"] as? String == "header: column 'dms' is required")
        let unknown = try submit("id,dms,colour\n")
        #expect(unknown.status == 400)
        #expect(try submit("id,dms\n", type: "application/json").status == 415)
        #expect(try submit("").status == 400)
    }
}
