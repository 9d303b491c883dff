import Foundation
import Testing

/// pkilint (an independent linter) finds no error in what Signet signs: a certificate from
/// every profile in policies/, full and delta CRLs, and OCSP responses of both responders.
@Suite struct PKILintTests {
    static func lint(_ tool: String, _ arguments: [String], _ file: String) throws -> String? {
        let directory = try TestEnvironment.variable("SIGNET_TEST_PKILINT")
        // Python warnings are not findings: a new `cryptography` release prints a
        // deprecation warning from inside pkilint's key check on stderr.
        let result = try Tool.run(directory + "/" + tool, ["lint"] + arguments + ["-s", "ERROR", file], environment: ["PYTHONWARNINGS": "ignore"])
        let findings = (result.output + result.error).trimmingCharacters(in: .whitespacesAndNewlines)
        return result.status == 0 && findings.isEmpty ? nil : "\(tool) \(file): \(findings)"
    }

    @Test func certificatesFromEveryProfile() async throws {
        let fixture = try await RevocationFixture.make("lint")
        let server = fixture.server
        var files: [String: String] = [
            "root-ca": try server.scratch.write(unique("root") + ".pem", try server.gate.pem(server.gate.root)),
            "subordinate-ca": fixture.caFile,
        ]
        let requests: [(profile: String, subject: String, extensions: [String])] = [
            ("iot-device", "/CN=lint-device", []),
            ("tls-server", "/CN=lint.example.com", ["subjectAltName=DNS:lint.example.com"]),
            ("code-signing", "/CN=Lint Signer/O=Signet", []),
            ("fleet-device", "/CN=lint-fleet-device", []),
        ]
        for request in requests {
            let csr = try OpenSSLCSR.make(subject: request.subject, extensions: request.extensions, in: server.scratch)
            let signed = try server.curl("POST", "/api/ca/v1/cas/\(fixture.caID)/sign", token: fixture.admin,
                                         body: try server.json(["csr": String(decoding: csr, as: UTF8.self), "profile_id": request.profile]))
            #expect(signed.status == 201, "\(request.profile): \(signed.text)")
            files[request.profile] = try server.scratch.write(unique(request.profile) + ".pem", Array((try signed.json()["certificate"] as? String ?? "").utf8))
        }
        let responder = try server.curl("PUT", "/api/ca/v1/cas/\(fixture.caID)/ocsp-signer", token: fixture.admin, body: try server.json(["mode": "delegated", "profile_id": "ocsp-responder"]))
        files["ocsp-responder"] = try server.scratch.write(unique("responder") + ".pem", Array((try responder.json()["ocsp_signer_certificate"] as? String ?? "").utf8))
        let (_, auditCertificate) = try await AuditCheckpointTests.signer()
        files["audit-signer"] = try server.scratch.write(unique("audit") + ".pem", try server.gate.pem(auditCertificate))

        let externalKey = server.scratch.path(unique("external") + ".key")
        _ = try Tool.run("openssl", ["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-384", "-nodes", "-keyout", externalKey,
                                 "-subj", "/CN=Lint External CA/O=Partner", "-out", externalKey + ".csr"])
        let external = try server.curl("POST", "/api/ca/v1/cas/\(server.gate.rootID)/external-cas", token: fixture.admin, body: try server.json([
            "id": unique("lint-external"), "csr": String(decoding: try Data(contentsOf: URL(fileURLWithPath: externalKey + ".csr")), as: UTF8.self),
            "profile_id": "external-subordinate-ca",
        ]))
        #expect(external.status == 201, "\(external.text)")
        files["external-subordinate-ca"] = try server.scratch.write(unique("external") + ".pem", Array((try external.json()["certificate"] as? String ?? "").utf8))

        let profiles = try GateFixture.policies().map(\.id).sorted()
        #expect(files.keys.sorted() == profiles, "a certificate from every reviewed profile")
        for (profile, file) in files.sorted(by: { $0.key < $1.key }) {
            #expect(try Self.lint("lint_pkix_cert", [], file) == nil, "\(profile)")
        }
    }

    @Test func crlsAndOCSPResponses() async throws {
        let fixture = try await RevocationFixture.make("lint-rev")
        let server = fixture.server
        let good = try fixture.issue(), revoked = try fixture.issue(), held = try fixture.issue()
        #expect(try fixture.setStatus(revoked.serial, ["status": "REVOKED", "revocation_reason": "KeyCompromise", "invalidity_date": "2026-03-04T05:06:07Z"]).status == 200)
        #expect(try fixture.setStatus(held.serial, ["status": "REVOKED", "revocation_reason": "CertificateHold"]).status == 200)
        _ = try server.curl("POST", "/api/ca/v1/cas/\(fixture.caID)/crl", token: fixture.admin)
        #expect(try fixture.setStatus(held.serial, ["status": "ACTIVE"]).status == 200)
        var delta = (text: "", der: [UInt8]())
        #expect(try await RevocationFixture.eventually { delta = try fixture.crl(delta: true); return delta.text.contains("Remove From CRL") })

        let full = try fixture.crl()
        #expect(full.text.contains(revoked.serial.opensslSerial))
        #expect(try Self.lint("lint_crl", ["-t", "CRL", "-p", "PKIX"], try server.scratch.write(unique("full") + ".crl", full.der)) == nil)
        #expect(try Self.lint("lint_crl", ["-t", "CRL", "-p", "PKIX"], try server.scratch.write(unique("delta") + ".crl", delta.der)) == nil)

        var responses = [
            try fixture.ocsp(["-cert", good.file]),
            try fixture.ocsp(["-cert", revoked.file], extra: ["-nonce"]),
            try fixture.ocsp(["-serial", "0x0abc"]),
        ]
        _ = try server.curl("PUT", "/api/ca/v1/cas/\(fixture.caID)/ocsp-signer", token: fixture.admin, body: try server.json(["mode": "delegated", "profile_id": "ocsp-responder"]))
        responses.append(try fixture.ocsp(["-cert", revoked.file]))
        for response in responses {
            #expect(response.verified, "\(response.text)")
            #expect(try Self.lint("lint_ocsp_response", [], try server.scratch.write(unique("ocsp") + ".der", response.response)) == nil)
        }
    }
}
