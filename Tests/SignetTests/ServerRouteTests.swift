import Foundation
import SwiftASN1
import Testing
import X509

/// Every CA API route through the real server, and every error code a client can cause.
@Suite struct ServerRouteTests {
    static func error(_ result: ServerFixture.HTTPResult) throws -> [String: Any] {
        try #require(try result.json()["error"] as? [String: Any])
    }

    @Test func caLifecycleOverHTTPS() async throws {
        let server = try await ServerFixture.get()
        let admin = server.token(["admin"])
        let rootID = unique("api-root"), subID = unique("api-sub")
        let root = try server.curl("POST", "/api/ca/v1/cas", token: admin, body: try server.json([
            "id": rootID, "subject": ["common_name": "API Root", "organization": "Signet", "country": "DE"],
            "key_type": "ECDSA", "key_size": 384, "profile_id": "root-ca", "ca_issuance_profile_id": "subordinate-ca",
        ]))
        #expect(root.status == 201, "\(root.text)")
        #expect(try root.json()["level"] as? Int == 0)
        let sub = try server.curl("POST", "/api/ca/v1/cas", token: admin, body: try server.json([
            "id": subID, "parent_id": rootID, "subject": ["common_name": "API Issuing"], "key_type": "ECDSA", "key_size": 256,
            "profile_id": "subordinate-ca", "ca_issuance_profile_id": "iot-device", "validity": ["type": "Duration", "duration": "720h"],
        ]))
        #expect(sub.status == 201, "\(sub.text)")
        let subJSON = try sub.json()
        #expect(subJSON["parent_id"] as? String == rootID && subJSON["level"] as? Int == 1)
        #expect((subJSON["certificate"] as? String)?.hasPrefix("-----BEGIN CERTIFICATE-----") == true)

        // A validity longer than the profile's is refused.
        let tooLong = try server.curl("POST", "/api/ca/v1/cas", token: admin, body: try server.json([
            "id": unique("long"), "parent_id": rootID, "subject": ["common_name": "Long"], "key_type": "ECDSA", "key_size": 256,
            "profile_id": "subordinate-ca", "ca_issuance_profile_id": "iot-device", "validity": ["type": "Duration", "duration": "500000h"],
        ]))
        #expect(tooLong.status == 422, "\(tooLong.text)")
        #expect(try Self.error(tooLong)["rule"] as? String == "validity.request")

        // Read, filter, annotate.
        let one = try server.curl("GET", "/api/ca/v1/cas/\(subID)", token: admin)
        #expect(one.status == 200)
        #expect(try one.json()["ca_issuance_profile_id"] as? String == "iot-device")
        let filtered = try server.curl("GET", "/api/ca/v1/cas?filter=parent_id%5Beq%5D\(rootID)", token: admin)
        #expect((try filtered.json()["list"] as? [[String: Any]])?.map { $0["id"] as? String } == [subID])
        let patched = try server.curl("PATCH", "/api/ca/v1/cas/\(subID)/metadata", token: admin,
                                      body: Array(#"[{"op":"add","path":"/site","value":"plant-7"}]"#.utf8), contentType: "application/json-patch+json")
        #expect(patched.status == 200, "\(patched.text)")
        let failedTest = try server.curl("PATCH", "/api/ca/v1/cas/\(subID)/metadata", token: admin,
                                         body: Array(#"{"patches":[{"op":"replace","path":"/site","value":"x"},{"op":"test","path":"/site","value":"y"}]}"#.utf8))
        #expect(failedTest.status == 409)
        #expect(((try server.curl("GET", "/api/ca/v1/cas/\(subID)", token: admin).json()["metadata"]) as? [String: String]) == ["site": "plant-7"])

        // Sign with PEM and with base64 DER; read back as JSON, PEM and DER.
        let pem = try OpenSSLCSR.make(subject: "/CN=api-device", in: server.scratch)
        let der = try PEMDocument(pemString: String(decoding: pem, as: UTF8.self)).derBytes
        for csr in [String(decoding: pem, as: UTF8.self), Data(der).base64EncodedString()] {
            let signed = try server.curl("POST", "/api/ca/v1/cas/\(subID)/sign", token: admin, body: try server.json(["csr": csr]))
            #expect(signed.status == 201, "\(signed.text)")
            let serial = try #require(try signed.json()["serial_number"] as? String)
            #expect(try signed.json()["profile_id"] as? String == "iot-device")
            let asDER = try server.curl("GET", "/api/ca/v1/certificates/\(serial)", token: admin, headers: ["Accept: application/pkix-cert"])
            #expect(asDER.header("Content-Type") == "application/pkix-cert")
            #expect(try Certificate(derEncoded: asDER.body).serialNumber.bytes.map { String(format: "%02x", $0) }.joined() == serial)
            let asPEM = try server.curl("GET", "/api/ca/v1/certificates/\(serial)", token: admin, headers: ["Accept: application/x-pem-file"])
            #expect(asPEM.text.hasPrefix("-----BEGIN CERTIFICATE-----"))
            let meta = try server.curl("PATCH", "/api/ca/v1/certificates/\(serial)/metadata", token: admin,
                                       body: Array(#"[{"op":"add","path":"/owner","value":"line-3"}]"#.utf8), contentType: "application/json-patch+json")
            #expect(meta.status == 200)
        }
        let issued = try server.curl("GET", "/api/ca/v1/cas/\(subID)/certificates?filter=metadata.owner%5Beq%5Dline-3", token: admin)
        #expect((try issued.json()["list"] as? [Any])?.count == 2, "\(issued.text)")
        let stats = try server.curl("GET", "/api/ca/v1/stats?filter=issuer_ca_id%5Beq%5D\(subID)", token: admin)
        #expect(try stats.json()["total"] as? Int == 2)
        #expect((try stats.json()["by_key_type"] as? [String: Int]) == ["ECDSA": 2])

        // Retiring: refused while certificates are active, then cascaded.
        let refused = try server.curl("DELETE", "/api/ca/v1/cas/\(subID)", token: admin)
        #expect(refused.status == 409, "\(refused.text)")
        let refusedMessage = try Self.error(refused)["message"] as? String
        #expect(refusedMessage?.contains("2 active certificates") == true, "\(refused.text)")
        #expect(try server.curl("DELETE", "/api/ca/v1/cas/\(rootID)", token: admin).status == 409)
        #expect(try server.curl("DELETE", "/api/ca/v1/cas/\(subID)?cascade=true", token: admin).status == 204)
        let after = try server.curl("GET", "/api/ca/v1/stats?filter=issuer_ca_id%5Beq%5D\(subID)", token: admin)
        #expect((try after.json()["by_status"] as? [String: Int]) == ["REVOKED": 2])
        let signAfter = try server.curl("POST", "/api/ca/v1/cas/\(subID)/sign", token: admin, body: try server.json(["csr": String(decoding: pem, as: UTF8.self)]))
        #expect(signAfter.status == 422)
        #expect(try Self.error(signAfter)["rule"] as? String == "ca.can_sign")

        // Import a CA certificate without a key.
        let imported = try server.curl("POST", "/api/ca/v1/cas/import", token: admin, body: try server.json([
            "id": unique("imported"), "certificate": String(decoding: try server.gate.pem(server.gate.root), as: UTF8.self),
        ]))
        #expect(imported.status == 201, "\(imported.text)")
        #expect(try imported.json()["kind"] as? String == "IMPORTED")
    }

    @Test func profilesOverHTTPS() async throws {
        let server = try await ServerFixture.get()
        let admin = server.token(["admin"])
        let id = unique("api-profile")
        var document: [String: Any] = ["id": id, "name": "API profile", "validity": ["type": "Duration", "duration": "24h"],
                                       "key_usage": ["digital_signature": true], "extended_key_usages": ["clientAuth"], "honor_subject": true]
        let created = try server.curl("POST", "/api/ca/v1/profiles", token: admin, body: try server.json(document))
        #expect(created.status == 201, "\(created.text)")
        let version = try #require(try created.json()["version"] as? String)
        #expect(try server.curl("POST", "/api/ca/v1/profiles", token: admin, body: try server.json(document)).status == 409)
        document["validity"] = ["type": "Duration", "duration": "48h"]
        let replaced = try server.curl("PUT", "/api/ca/v1/profiles/\(id)", token: admin, body: try server.json(document))
        #expect(replaced.status == 200)
        #expect(try replaced.json()["version"] as? String != version)
        #expect(try server.curl("GET", "/api/ca/v1/profiles/\(id)", token: admin).json()["validity"] as? [String: String] == ["type": "Duration", "duration": "48h"])
        let listed = try server.curl("GET", "/api/ca/v1/profiles?filter=id%5Beq%5D\(id)", token: admin)
        #expect((try listed.json()["list"] as? [Any])?.count == 1)
        // Name and description are filterable (with the `contains` spelling other docs use) and sortable.
        let byName = try server.curl("GET", "/api/ca/v1/profiles?filter=name%5Bcontains%5DAPI%20prof&filter=id%5Beq%5D\(id)&sort_by=name&sort_mode=asc", token: admin)
        #expect((try byName.json()["list"] as? [[String: Any]])?.map { $0["id"] as? String } == [id], "\(byName.text)")
        for (mode, expected) in [("asc", ["code-signing", "root-ca", "tls-server"]), ("desc", ["tls-server", "root-ca", "code-signing"])] {
            let sorted = try server.curl("GET", "/api/ca/v1/profiles?filter=id%5Bin%5Dtls-server,root-ca,code-signing&sort_by=name&sort_mode=\(mode)", token: admin)
            #expect((try sorted.json()["list"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String } == expected, "\(mode): \(sorted.text)")
        }

        let csr = String(decoding: try OpenSSLCSR.make(subject: "/CN=explained", keyArguments: ["-newkey", "rsa:1024"], in: server.scratch), as: UTF8.self)
        let explained = try server.curl("POST", "/api/ca/v1/profiles/\(id)/explain", token: admin, body: try server.json(["csr": csr, "ca_id": server.gate.subID]))
        #expect(explained.status == 200)
        #expect(try explained.json()["approved"] as? Bool == false)
        // With a CA, the explanation is the gate's: this CA does not name the new profile.
        #expect(try explained.json()["failed_rule"] as? String == "ca.allowed_profiles")
        let weak = try server.curl("POST", "/api/ca/v1/profiles/\(id)/explain", token: admin, body: try server.json(["csr": csr]))
        #expect(try weak.json()["failed_rule"] as? String == "crypto.baseline")
        let good = String(decoding: try OpenSSLCSR.make(subject: "/CN=explained", in: server.scratch), as: UTF8.self)
        let approved = try server.curl("POST", "/api/ca/v1/profiles/\(id)/explain", token: admin, body: try server.json(["csr": good]))
        #expect(try approved.json()["approved"] as? Bool == true)
        #expect((try approved.json()["certificate"] as? [String: Any])?["subject"] as? String == "CN=explained")

        // In use by a CA: deleting is refused naming the CA.
        let inUse = try server.curl("DELETE", "/api/ca/v1/profiles/iot-device", token: admin)
        #expect(inUse.status == 409)
        #expect((try Self.error(inUse)["message"] as? String)?.contains("ca:\(server.gate.subID)") == true)
        #expect(try server.curl("DELETE", "/api/ca/v1/profiles/\(id)", token: admin).status == 204)
        #expect(try server.curl("GET", "/api/ca/v1/profiles/\(id)", token: admin).status == 404)
    }

    struct BadCall: Sendable, CustomTestStringConvertible {
        let name: String
        let method: String
        let path: @Sendable (ServerFixture) -> String
        let body: [UInt8]?
        var contentType: String? = "application/json"
        let status: Int
        let code: String
        var testDescription: String { name }
    }

    static let badCalls: [BadCall] = [
        BadCall(name: "malformed JSON", method: "POST", path: { "/api/ca/v1/cas/\($0.gate.subID)/sign" }, body: Array("{\"csr\": ".utf8), status: 400, code: "invalid_json"),
        BadCall(name: "unknown field", method: "POST", path: { "/api/ca/v1/cas/\($0.gate.subID)/sign" }, body: Array(#"{"csr":"x","profil_id":"y"}"#.utf8), status: 400, code: "invalid_json"),
        BadCall(name: "missing field", method: "POST", path: { "/api/ca/v1/cas/\($0.gate.subID)/sign" }, body: Array(#"{"profile_id":"iot-device"}"#.utf8), status: 400, code: "invalid_json"),
        BadCall(name: "CSR that is not base64 or PEM", method: "POST", path: { "/api/ca/v1/cas/\($0.gate.subID)/sign" }, body: Array(#"{"csr":"%%%not base64%%%"}"#.utf8), status: 400, code: "malformed_request"),
        BadCall(name: "unknown CA", method: "POST", path: { _ in "/api/ca/v1/cas/no-such-ca/sign" }, body: Array(#"{"csr":"MIIB"}"#.utf8), status: 404, code: "not_found"),
        BadCall(name: "unknown certificate", method: "GET", path: { _ in "/api/ca/v1/certificates/abcdef" }, body: nil, status: 404, code: "not_found"),
        BadCall(name: "unknown route", method: "GET", path: { _ in "/api/ca/v1/nothing-here" }, body: nil, status: 404, code: "not_found"),
        BadCall(name: "wrong content type", method: "POST", path: { "/api/ca/v1/cas/\($0.gate.subID)/sign" }, body: Array("csr=x".utf8), contentType: "application/x-www-form-urlencoded", status: 415, code: "unsupported_media_type"),
        BadCall(name: "body too large", method: "POST", path: { "/api/ca/v1/cas/\($0.gate.subID)/sign" }, body: Array(repeating: 0x41, count: 2 << 20), status: 413, code: "body_too_large"),
        BadCall(name: "unknown filter field", method: "GET", path: { _ in "/api/ca/v1/certificates?filter=colour%5Beq%5Dred" }, body: nil, status: 400, code: "invalid_query"),
        BadCall(name: "operator not allowed for the field", method: "GET", path: { _ in "/api/ca/v1/certificates?filter=valid_to%5Bct%5D2020" }, body: nil, status: 400, code: "invalid_query"),
        BadCall(name: "page size out of range", method: "GET", path: { _ in "/api/ca/v1/certificates?page_size=100000" }, body: nil, status: 400, code: "invalid_query"),
        BadCall(name: "tampered bookmark", method: "GET", path: { _ in "/api/ca/v1/certificates?bookmark=garbage!!" }, body: nil, status: 400, code: "invalid_query"),
        BadCall(name: "invalid profile", method: "POST", path: { _ in "/api/ca/v1/profiles" }, body: Array(#"{"id":"x","validity":{"type":"Duration","duration":"-1h"}}"#.utf8), status: 400, code: "invalid_profile"),
        BadCall(name: "invalid patch", method: "PATCH", path: { "/api/ca/v1/cas/\($0.gate.subID)/metadata" }, body: Array(#"[{"op":"jump","path":"/a"}]"#.utf8), status: 400, code: "invalid_patch"),
        BadCall(name: "bad cascade flag", method: "DELETE", path: { "/api/ca/v1/cas/\($0.gate.subID)?cascade=maybe" }, body: nil, status: 400, code: "bad_request"),
    ]

    @Test(arguments: badCalls)
    func clientMistakesGetAClearFourHundred(_ bad: BadCall) async throws {
        let server = try await ServerFixture.get()
        let result = try server.curl(bad.method, bad.path(server), token: server.token(["admin"]), body: bad.body, contentType: bad.contentType)
        #expect(result.status == bad.status, "\(result.text)")
        let error = try Self.error(result)
        #expect(error["code"] as? String == bad.code, "\(result.text)")
        #expect((error["message"] as? String)?.isEmpty == false)
    }

    @Test func policyRefusalIs422NamingTheRule() async throws {
        let server = try await ServerFixture.get()
        let weak = String(decoding: try OpenSSLCSR.make(subject: "/CN=weak", keyArguments: ["-newkey", "rsa:1024"], in: server.scratch), as: UTF8.self)
        let result = try server.curl("POST", "/api/ca/v1/cas/\(server.gate.subID)/sign", token: server.token(["operator"]), body: try server.json(["csr": weak]))
        #expect(result.status == 422)
        let error = try Self.error(result)
        #expect(error["code"] as? String == "policy_refused")
        #expect(error["rule"] as? String == "crypto.baseline")
        #expect((error["message"] as? String)?.contains("1024") == true)
    }

    @Test func aMethodAServedPathDoesNotOfferIs405WithAllow() async throws {
        let server = try await ServerFixture.get()
        let trace = try server.curl("TRACE", "/health")
        #expect(trace.status == 405, "\(trace.text)")
        #expect(trace.header("Allow") == "GET")
        #expect(try Self.error(trace)["code"] as? String == "method_not_allowed", "\(trace.text)")
        let delete = try server.curl("DELETE", "/api/ca/v1/cas", token: server.token(["admin"]))
        #expect(delete.status == 405 && delete.header("Allow") == "GET, POST", "\(delete.status) \(delete.text)")
        let query = try server.curl("QUERY", "/api/ca/v1/profiles", token: server.token(["auditor"]))
        #expect(query.status == 405 && query.header("Allow") == "GET, POST", "\(query.status) \(query.text)")
        // Authentication still comes first on the API.
        #expect(try server.curl("QUERY", "/api/ca/v1/profiles").status == 401)
        #expect(try server.curl("GET", "/no/such/path").status == 404)
    }
}
