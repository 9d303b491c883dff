import AsyncHTTPClient
import Foundation
import SignetCore
import SignetEST
import SignetStore
import SignetToken
import Testing

/// EST refusals of anonymous clients are counted and sampled, not audited one by one;
/// serverkeygen checks everything before the token generates; bootstrap certificates must
/// allow client authentication; a JITP device id that is not one is the client's mistake.
@Suite(.serialized) struct ESTHardeningTests {
    @Test func anUnauthenticatedFloodDoesNotGrowTheAuditTrailButAuthenticatedRefusalsAreEachAudited() async throws {
        let fixture = try await ESTFixture.make("est-flood")
        let environment = try await TestEnvironment.get()
        func rows() async throws -> Int {
            try await environment.rows("SELECT count(*)::int FROM audit_log WHERE category = 'API' AND action LIKE 'EST %' AND target = \(fixture.dmsID)", as: Int.self).first ?? 0
        }
        let device = unique("dev")
        let request = try fixture.csr("/CN=\(device)")
        let before = try await rows()
        for _ in 0..<25 {
            #expect(try fixture.est("simpleenroll", body: request.body).status == 401) // no client certificate
        }
        let written = try await rows() - before
        #expect(written <= 1, "25 anonymous refusals wrote \(written) audit rows")
        let sampled = try await environment.rows("SELECT detail FROM audit_log WHERE category = 'API' AND actor = 'unauthenticated' AND action LIKE 'EST %' ORDER BY recorded_at DESC LIMIT 1", as: String.self)
        #expect(sampled.first?.contains(#""sampled":"est.unauthenticated""#) == true, "\(sampled)")

        // A device that proved who it is and was refused: every refusal keeps its row.
        #expect(try fixture.registry.register(device).status == 201)
        #expect(try fixture.server.curl("POST", "/api/devmanager/v1/devices/\(device)/disable", token: fixture.registry.token).status == 200)
        let boot = try fixture.bootstrap(device)
        let audited = try await rows()
        for _ in 0..<2 { #expect(try fixture.est("simpleenroll", body: request.body, certificate: boot).status == 423) }
        let rules = try await environment.rows("SELECT failed_rule FROM audit_log WHERE category = 'API' AND target = \(fixture.dmsID) AND failed_rule = 'est.device.disabled'", as: String.self)
        #expect(try await rows() - audited == 2 && rules.count == 2)
    }

    @Test func unauthenticatedAPICallsAreSampled() async throws {
        let server = try await ServerFixture.get()
        let environment = try await TestEnvironment.get()
        let path = "/api/ca/v1/profiles"
        func rows() async throws -> Int {
            try await environment.rows("SELECT count(*)::int FROM audit_log WHERE actor = 'unauthenticated' AND action = \("POST " + path)", as: Int.self).first ?? 0
        }
        let before = try await rows()
        for _ in 0..<25 { #expect(try server.curl("POST", path, body: Array("{}".utf8)).status == 401) }
        #expect(try await rows() - before <= 1)
    }

    /// Key generation is counted by the token object, so the service runs in-process here.
    @Test func aRefusedServerKeygenGeneratesNoKey() async throws {
        let fixture = try await ESTFixture.make("est-keygen-order") { document, _ in
            var settings = document["settings"] as? [String: Any] ?? [:]
            settings["server_keygen_settings"] = ["enabled": true, "key_type": "ECDSA", "key_size": 256]
            document["settings"] = settings
        }
        let environment = try await TestEnvironment.get()
        let token = try Token(TokenConfiguration(modulePath: environment.modulePath, label: environment.tokenLabel,
                                                 pin: .file(try TestEnvironment.variable("SIGNET_PIN_FILE")), maxSessions: 2))
        let core = SigningCore(token: token, stores: environment.stores, publicBaseURL: "https://signet.test")
        let est = ESTService(core: core, registry: Registry(database: environment.database), stores: environment.stores,
                             defaultDMS: nil, webhook: ESTWebhook(client: .shared))
        func der(_ pem: String) throws -> [UInt8] {
            let out = fixture.server.scratch.path(unique("boot") + ".der")
            _ = try Tool.run("openssl", ["x509", "-in", pem, "-outform", "DER", "-out", out])
            return try fixture.server.scratch.read(URL(fileURLWithPath: out).lastPathComponent)
        }

        let disabled = unique("dev")
        #expect(try fixture.registry.register(disabled).status == 201)
        #expect(try fixture.server.curl("POST", "/api/devmanager/v1/devices/\(disabled)/disable", token: fixture.registry.token).status == 200)
        let client = ESTService.Client(certificate: try der(try fixture.bootstrap(disabled).certificate))
        let refusal = await #expect(throws: ESTRefusal.self) {
            try await est.serverKeygen(aps: fixture.dmsID, body: try fixture.csr("/CN=\(disabled)").body, client: client)
        }
        #expect(refusal?.rule == "est.device.disabled" && refusal?.status == .locked, "\(String(describing: refusal))")
        #expect(token.keyGenerationCount == 0, "the token generated a key for a refused request")

        // Control: an enabled device gets its key (one generation).
        let enabled = unique("dev")
        let generated = try await est.serverKeygen(aps: fixture.dmsID, body: try fixture.csr("/CN=\(enabled)").body,
                                                   client: .init(certificate: try der(try fixture.bootstrap(enabled).certificate)))
        #expect(!generated.privateKey.isEmpty)
        #expect(token.keyGenerationCount == 1)
    }

    @Test func aJITPDeviceIDThatIsNotOneIsABadRequest() async throws {
        let fixture = try await ESTFixture.make("est-bad-id")
        let device = "bad id!\(UInt16.random(in: 0 ... .max))"
        let answer = try fixture.est("simpleenroll", body: try fixture.csr("/CN=\(device)").body, certificate: try fixture.bootstrap(device))
        #expect(answer.status == 400, "\(answer.status) \(answer.text)")
        #expect(answer.text.contains("is not a valid device id"), "\(answer.text)")
    }

    /// A bootstrap certificate with serverAuth only is refused; with clientAuth it enrolls.
    @Test func bootstrapCertificatesMustAllowClientAuthentication() async throws {
        let fixture = try await ESTFixture.make("est-eku")
        let scratch = fixture.server.scratch, name = unique("eku-vendor")
        func run(_ arguments: [String]) throws {
            let result = try Tool.run("openssl", arguments)
            guard result.status == 0 else { throw TestSetupError("openssl \(arguments[0]): \(result.error)") }
        }
        try run(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", scratch.path("\(name).key"),
                 "-subj", "/CN=Vendor \(name)", "-days", "30", "-addext", "basicConstraints=critical,CA:TRUE",
                 "-addext", "keyUsage=critical,keyCertSign,cRLSign", "-out", scratch.path("\(name).pem")])
        func bootstrap(_ device: String, usage: String) throws -> (certificate: String, key: String) {
            let base = scratch.path("\(name)-\(device)")
            try run(["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", base + ".key", "-subj", "/CN=\(device)", "-out", base + ".csr"])
            _ = try scratch.write("\(name)-\(device).ext", Array("extendedKeyUsage=\(usage)\n".utf8))
            try run(["x509", "-req", "-in", base + ".csr", "-CA", scratch.path("\(name).pem"), "-CAkey", scratch.path("\(name).key"),
                     "-set_serial", "\(UInt32.random(in: 1 ... .max))", "-days", "30", "-extfile", base + ".ext", "-out", base + ".pem"])
            return (base + ".pem", base + ".key")
        }
        let imported = try fixture.server.curl("POST", "/api/ca/v1/cas/import", token: fixture.server.token(["admin"]), body: try fixture.server.json([
            "id": name, "certificate": String(decoding: try scratch.read("\(name).pem"), as: UTF8.self),
        ]))
        #expect(imported.status == 201, "\(imported.text)")
        var document = try fixture.registry.dmsDocument(id: unique("eku-dms"))
        var settings = document["settings"] as? [String: Any] ?? [:]
        var enrollment = settings["enrollment_settings"] as? [String: Any] ?? [:]
        enrollment["est_rfc7030_settings"] = ["auth_mode": "CLIENT_CERTIFICATE", "client_certificate_settings": [
            "validation_cas": [name], "allow_unknown_revocation_status": true,
        ]]
        settings["enrollment_settings"] = enrollment
        document["settings"] = settings
        let dms = document["id"] as? String ?? ""
        #expect(try fixture.registry.post("/api/dmsmanager/v1/dms", document).status == 201)

        let server = unique("dev")
        let refused = try fixture.est("simpleenroll", aps: dms, body: try fixture.csr("/CN=\(server)").body, certificate: try bootstrap(server, usage: "serverAuth"))
        #expect(refused.status == 401, "\(refused.text)")
        #expect(refused.text.contains("does not include clientAuth"), "\(refused.text)")
        #expect(try fixture.server.curl("GET", "/api/devmanager/v1/devices/\(server)", token: fixture.registry.token).status == 404)
        let client = unique("dev")
        let enrolled = try fixture.est("simpleenroll", aps: dms, body: try fixture.csr("/CN=\(client)").body, certificate: try bootstrap(client, usage: "clientAuth"))
        #expect(enrolled.status == 200, "\(enrolled.text)")
    }
}
