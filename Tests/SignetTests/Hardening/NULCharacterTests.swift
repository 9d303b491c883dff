import Foundation
import Testing

/// PostgreSQL stores U+0000 in neither text nor jsonb: a body that carries one is the
/// client's mistake, answered 400 before anything is parsed or written, never a 500 from
/// the database (schemathesis found it with a metadata key of "\u0000").
@Suite struct NULCharacterTests {
    @Test func aJSONStringHoldingUPlus0000IsA400OnEveryKindOfBody() async throws {
        let fixture = try await RegistryFixture.make("nul")
        let server = fixture.server
        let device = unique("dev")
        #expect(try fixture.register(device).status == 201)
        let certificate = try fixture.ca.issue()
        let csr = String(decoding: try OpenSSLCSR.make(subject: "/CN=nul-device", in: server.scratch), as: UTF8.self)
        let requests: [(String, String, String, String, String)] = [
            ("PUT", "/api/ca/v1/cas/\(fixture.ca.caID)/metadata", fixture.ca.admin, "application/json", #"{"metadata": {"\u0000": true}}"#),
            ("PUT", "/api/ca/v1/certificates/\(certificate.serial)/metadata", fixture.ca.admin, "application/json", #"{"metadata": {"k": "v\u0000"}}"#),
            ("PATCH", "/api/devmanager/v1/devices/\(device)/metadata", fixture.token, "application/json-patch+json", #"[{"op": "add", "path": "/k", "value": "\u0000"}]"#),
            ("PATCH", "/api/dmsmanager/v1/dms/\(fixture.dmsID)/metadata", fixture.token, "application/json", #"[{"op": "add", "path": "/\u0000", "value": 1}]"#),
            ("POST", "/api/ca/v1/profiles", fixture.ca.admin, "application/json", #"{"id": "nul-profile", "description": "a\u0000b", "validity": {"type": "Duration", "duration": "1h"}}"#),
            ("POST", "/api/devmanager/v1/devices", fixture.token, "application/json", #"{"id": "nul-dev", "dms_owner": "\#(fixture.dmsID)", "tags": ["x\u0000"]}"#),
            ("POST", "/api/ca/v1/cas/\(fixture.ca.caID)/sign", fixture.ca.admin, "application/json", #"{"csr": "\u0000"}"#),
        ]
        for (method, path, token, type, body) in requests {
            let answer = try server.curl(method, path, token: token, body: Array(body.utf8), contentType: type)
            #expect(answer.status == 400, "\(method) \(path): \(answer.status) \(answer.text)")
            #expect(answer.text.contains("U+0000"), "\(method) \(path): \(answer.text)")
        }
        // An escaped backslash before "u0000" is the six characters \u0000, stored as written.
        let literal = try server.curl("PUT", "/api/ca/v1/cas/\(fixture.ca.caID)/metadata", token: fixture.ca.admin,
                                      body: Array(#"{"metadata": {"note": "\\u0000"}}"#.utf8))
        #expect(literal.status == 200, "\(literal.text)")
        #expect((try literal.json()["metadata"] as? [String: Any])?["note"] as? String == #"\u0000"#)
        // A CSV with a NUL byte is refused before it becomes a job.
        let csv = Array("id,dms_owner\nnul-csv,\(fixture.dmsID)\n".utf8) + [0] + Array("\n".utf8)
        let batch = try server.curl("POST", "/api/devmanager/v1/devices/batch", token: fixture.token, body: csv, contentType: "text/csv")
        #expect(batch.status == 400 && batch.text.contains("NUL"), "\(batch.text)")
        // Nothing of it was written.
        #expect(try server.curl("GET", "/api/ca/v1/profiles/nul-profile", token: fixture.ca.admin).status == 404)
        #expect(try server.curl("GET", "/api/devmanager/v1/devices/nul-dev", token: fixture.token).status == 404)
    }
}
