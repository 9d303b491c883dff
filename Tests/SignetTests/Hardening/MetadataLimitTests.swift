import Foundation
import Testing

/// JSON Patch results are bounded: `copy` can double a document with every operation, so
/// the patched metadata must stay within 64 KiB, on every resource that has metadata.
@Suite struct MetadataLimitTests {
    static let big = String(repeating: "x", count: 40 << 10)

    static func doubling() throws -> [UInt8] {
        Array(try JSONSerialization.data(withJSONObject: [
            ["op": "add", "path": "/blob", "value": big],
            ["op": "copy", "from": "/blob", "path": "/again"],
        ]))
    }

    @Test func aPatchThatWouldExceedTheLimitIsRefusedAndChangesNothing() async throws {
        let fixture = try await RegistryFixture.make("metadata-limit")
        let server = fixture.server
        let device = unique("dev")
        #expect(try fixture.register(device, metadata: ["model": "s1"]).status == 201)
        let certificate = try fixture.ca.issue()
        let resources = [
            ("/api/ca/v1/cas/\(fixture.ca.caID)/metadata", fixture.ca.admin),
            ("/api/devmanager/v1/devices/\(device)/metadata", fixture.token),
            ("/api/dmsmanager/v1/dms/\(fixture.dmsID)/metadata", fixture.token),
            ("/api/ca/v1/certificates/\(certificate.serial)/metadata", fixture.ca.admin),
        ]
        for (path, token) in resources {
            let refused = try server.curl("PATCH", path, token: token, body: try Self.doubling(), contentType: "application/json-patch+json")
            #expect(refused.status == 422, "\(path): \(refused.status) \(refused.text)")
            #expect(refused.text.contains("65536 bytes"), "\(path): \(refused.text)")
            // Half of it fits.
            let one = Array(try JSONSerialization.data(withJSONObject: [["op": "add", "path": "/blob", "value": Self.big]]))
            let accepted = try server.curl("PATCH", path, token: token, body: one, contentType: "application/json-patch+json")
            #expect(accepted.status == 200, "\(path): \(accepted.text)")
        }
        #expect((try fixture.device(device)["metadata"] as? [String: Any])?["again"] == nil)
    }

    @Test func putReplacesTheWholeObjectOnEveryResourceWithinTheSameLimit() async throws {
        let fixture = try await RegistryFixture.make("metadata-put")
        let server = fixture.server
        let device = unique("dev")
        #expect(try fixture.register(device, metadata: ["model": "s1"]).status == 201)
        let certificate = try fixture.ca.issue()
        let resources = [
            ("/api/ca/v1/cas/\(fixture.ca.caID)", fixture.ca.admin),
            ("/api/devmanager/v1/devices/\(device)", fixture.token),
            ("/api/dmsmanager/v1/dms/\(fixture.dmsID)", fixture.token),
            ("/api/ca/v1/certificates/\(certificate.serial)", fixture.ca.admin),
        ]
        for (resource, token) in resources {
            let path = resource + "/metadata"
            let added = try server.curl("PATCH", path, token: token, body: try server.json(["patches": [["op": "add", "path": "/old", "value": "x"]]]))
            #expect(added.status == 200, "\(path): \(added.text)")
            let replaced = try server.curl("PUT", path, token: token, body: try server.json(["metadata": ["site": "north", "rack": 4]]))
            #expect(replaced.status == 200, "\(path): \(replaced.text)")
            #expect(NSDictionary(dictionary: try replaced.json()["metadata"] as? [String: Any] ?? [:]) == NSDictionary(dictionary: ["site": "north", "rack": 4]), "\(path): \(replaced.text)")
            let read = try server.curl("GET", resource, token: token).json()["metadata"] as? [String: Any] ?? [:]
            #expect(Set(read.keys) == ["site", "rack"], "\(path): \(read)")

            let refusals: [(Any, Int, String)] = [
                (["patches": [["op": "add", "path": "/a", "value": 1]]], 400, #"the body must be {"metadata": {…}}"#),
                (["metadata": [1, 2]], 400, "metadata: must be a JSON object"),
                (["metadata": [:], "tags": []], 400, "tags: is not known next to metadata"),
                (["metadata": ["blob": Self.big + Self.big]], 422, "65536 bytes"),
            ]
            for (body, status, message) in refusals {
                let refused = try server.curl("PUT", path, token: token, body: try server.json(body))
                #expect(refused.status == status, "\(path): \(refused.text)")
                #expect((RegistryFixture.error(refused)["message"] as? String)?.contains(message) == true, "\(path): \(refused.text)")
            }
            #expect(try server.curl("PUT", path, token: server.token(["auditor"]), body: try server.json(["metadata": [:]])).status == 403, "\(path)")
            let action = "PUT \(path)"
            var outcomes: [String] = []
            #expect(try await RevocationFixture.eventuallyAsync(10) {
                outcomes = try await server.gate.environment.rows("SELECT outcome FROM audit_log WHERE action = \(action) ORDER BY recorded_at", as: String.self)
                return outcomes == ["200", "400", "400", "400", "422", "403"]
            }, "\(path): \(outcomes)")
        }
        let missing = try server.curl("PUT", "/api/devmanager/v1/devices/no-such-device/metadata", token: fixture.token, body: try server.json(["metadata": [:]]))
        #expect(missing.status == 404)
        let events = try server.curl("GET", "/api/devmanager/v1/devices/\(device)/events", token: fixture.token).json()["list"] as? [[String: Any]] ?? []
        #expect(events.compactMap { $0["detail"] as? String }.suffix(2) == ["metadata patched", "metadata replaced"], "\(events)")
    }
}
