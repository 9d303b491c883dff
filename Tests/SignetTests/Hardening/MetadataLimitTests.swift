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
}
