import Foundation
import SignetCore
import Testing
import X509

/// CA certificates come only from the CA path, a CA issues only with the profiles it names,
/// and profiles can require administrators: what a sign request may and may not obtain.
@Suite struct CAPathTests {
    static func error(_ result: ServerFixture.HTTPResult) -> [String: Any] {
        ((try? result.json())?["error"] as? [String: Any]) ?? [:]
    }

    func sign(_ server: ServerFixture, ca: String, profile: String?, token: String, subject: String = "/CN=path-probe", extensions: [String] = []) throws -> ServerFixture.HTTPResult {
        let csr = try OpenSSLCSR.make(subject: subject, extensions: extensions, in: server.scratch)
        var body = ["csr": String(decoding: csr, as: UTF8.self)]
        if let profile { body["profile_id"] = profile }
        return try server.curl("POST", "/api/ca/v1/cas/\(ca)/sign", token: token, body: try server.json(body))
    }

    @Test func anOperatorCannotMintASubordinateCAThroughASignRequest() async throws {
        let server = try await ServerFixture.get()
        let operatorToken = server.token(["operator"])
        let before = try await server.gate.environment.rows("SELECT count(*) FROM certificates WHERE issuer_ca_id = \(server.gate.rootID)", as: Int.self)
        // The root's default profile is subordinate-ca: with no profile named, and naming it.
        for profile in [nil, "subordinate-ca", "external-subordinate-ca"] as [String?] {
            let refused = try sign(server, ca: server.gate.rootID, profile: profile, token: operatorToken, extensions: ["basicConstraints=critical,CA:TRUE"])
            #expect(refused.status == 422, "\(profile ?? "default"): \(refused.text)")
            #expect(Self.error(refused)["rule"] as? String == "ca.path")
        }
        // Even an administrator's sign request does not make CA certificates.
        let asAdmin = try sign(server, ca: server.gate.rootID, profile: "subordinate-ca", token: server.token(["admin"]))
        #expect(asAdmin.status == 422 && Self.error(asAdmin)["rule"] as? String == "ca.path", "\(asAdmin.text)")
        let after = try await server.gate.environment.rows("SELECT count(*) FROM certificates WHERE issuer_ca_id = \(server.gate.rootID)", as: Int.self)
        #expect(after == before)
    }

    @Test func aCAIssuesOnlyWithTheProfilesItNames() async throws {
        let server = try await ServerFixture.get()
        let fixture = try await RevocationFixture.make("allowed")
        let operatorToken = server.token(["operator"])
        // A profile that exists but that this CA does not name.
        let other = try await server.gate.profile(from: "iot-device", allowOnIssuingCA: false)
        let refused = try sign(server, ca: fixture.caID, profile: other, token: operatorToken)
        #expect(refused.status == 422, "\(refused.text)")
        #expect(Self.error(refused)["rule"] as? String == "ca.allowed_profiles")
        // Only an administrator changes the list; then the profile works.
        let byOperator = try server.curl("PUT", "/api/ca/v1/cas/\(fixture.caID)/allowed-profiles", token: operatorToken,
                                         body: try server.json(["allowed_profiles": ["iot-device", other]]))
        #expect(byOperator.status == 403, "\(byOperator.text)")
        let withoutDefault = try server.curl("PUT", "/api/ca/v1/cas/\(fixture.caID)/allowed-profiles", token: fixture.admin,
                                             body: try server.json(["allowed_profiles": [other]]))
        #expect(withoutDefault.status == 422 && Self.error(withoutDefault)["rule"] as? String == "ca.allowed_profiles", "\(withoutDefault.text)")
        let responder = try server.curl("PUT", "/api/ca/v1/cas/\(fixture.caID)/allowed-profiles", token: fixture.admin,
                                        body: try server.json(["allowed_profiles": ["iot-device", "ocsp-responder"]]))
        #expect(responder.status == 422, "\(responder.text)")
        try fixture.allow(other)
        let shown = try server.curl("GET", "/api/ca/v1/cas/\(fixture.caID)", token: operatorToken)
        #expect((try shown.json()["allowed_profiles"] as? [String])?.contains(other) == true)
        #expect(try sign(server, ca: fixture.caID, profile: other, token: operatorToken).status == 201)
        // Changing the list is itself a recorded decision.
        let recorded = try await server.gate.environment.rows(
            "SELECT count(*) FROM decisions WHERE action = 'SET_ALLOWED_PROFILES' AND ca_id = \(fixture.caID) AND outcome = 'APPROVED'", as: Int.self
        )
        #expect(recorded.first ?? 0 >= 1)
    }

    @Test func aProfileCanRequireAnAdministrator() async throws {
        let server = try await ServerFixture.get()
        let fixture = try await RevocationFixture.make("admin-only")
        let adminOnly = try await server.gate.profile(from: "iot-device", allowOnIssuingCA: false) { $0.requiredRole = .admin }
        try fixture.allow(adminOnly)
        let byOperator = try sign(server, ca: fixture.caID, profile: adminOnly, token: server.token(["operator"]))
        #expect(byOperator.status == 403, "\(byOperator.text)")
        #expect(Self.error(byOperator)["rule"] as? String == "profile.required_role")
        #expect(try sign(server, ca: fixture.caID, profile: adminOnly, token: fixture.admin).status == 201)
        let refusals = try await server.gate.environment.rows(
            "SELECT count(*) FROM decisions WHERE profile_id = \(adminOnly) AND failed_rule = 'profile.required_role'", as: Int.self
        )
        #expect(refusals == [1])
    }

    @Test func noSignRequestObtainsAnOCSPSigningCertificate() async throws {
        let server = try await ServerFixture.get()
        let fixture = try await RevocationFixture.make("no-ocsp")
        // The responder profile itself, even where a CA were to name it.
        let responder = try sign(server, ca: fixture.caID, profile: "ocsp-responder", token: fixture.admin)
        #expect(responder.status == 422, "\(responder.text)")
        // A profile that honours requested EKUs only grants its own.
        let honouring = try await server.gate.profile(from: "tls-server", allowOnIssuingCA: false) {
            $0.honorExtendedKeyUsages = true
            $0.extendedKeyUsages = [.serverAuth, .clientAuth]
        }
        try fixture.allow(honouring)
        let asked = try sign(server, ca: fixture.caID, profile: honouring, token: fixture.admin, subject: "/CN=responder.example", extensions: ["extendedKeyUsage=OCSPSigning"])
        #expect(asked.status == 422 && Self.error(asked)["rule"] as? String == "extended_key_usages", "\(asked.text)")
        let chosen = try sign(server, ca: fixture.caID, profile: honouring, token: fixture.admin, subject: "/CN=web.example", extensions: ["extendedKeyUsage=serverAuth"])
        #expect(chosen.status == 201, "\(chosen.text)")
        let certificate = try Certificate(pemEncoded: try chosen.json()["certificate"] as? String ?? "")
        #expect(try certificate.extensions.extendedKeyUsage == ExtendedKeyUsage([.serverAuth]))
        #expect(!certificate.extensions.contains { $0.oid == [1, 3, 6, 1, 5, 5, 7, 48, 1, 5] }, "no ocsp-nocheck outside the responder path")
        // The delegated-responder path accepts only responder profiles.
        let wrong = try server.curl("PUT", "/api/ca/v1/cas/\(fixture.caID)/ocsp-signer", token: fixture.admin, body: try server.json(["mode": "delegated", "profile_id": honouring]))
        #expect(wrong.status == 422 && Self.error(wrong)["rule"] as? String == "ocsp.signer_profile", "\(wrong.text)")
    }

    @Test func anExternalCAKeyIsCertifiedOnlyByTheAdministratorsOperation() async throws {
        let server = try await ServerFixture.get()
        let keyFile = server.scratch.path(unique("partner") + ".key")
        _ = try Tool.run("openssl", ["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", keyFile,
                                     "-subj", "/CN=Partner Issuing CA/O=Partner", "-out", keyFile + ".csr"])
        let csr = String(decoding: try Data(contentsOf: URL(fileURLWithPath: keyFile + ".csr")), as: UTF8.self)
        let path = "/api/ca/v1/cas/\(server.gate.rootID)/external-cas"
        let byOperator = try server.curl("POST", path, token: server.token(["operator"]), body: try server.json(["id": unique("partner"), "csr": csr, "profile_id": "external-subordinate-ca"]))
        #expect(byOperator.status == 403, "\(byOperator.text)")
        let notExternal = try server.curl("POST", path, token: server.token(["admin"]), body: try server.json(["id": unique("partner"), "csr": csr, "profile_id": "subordinate-ca"]))
        #expect(notExternal.status == 422 && Self.error(notExternal)["rule"] as? String == "profile.external_ca", "\(notExternal.text)")

        let id = unique("partner")
        let created = try server.curl("POST", path, token: server.token(["admin"]), body: try server.json(["id": id, "csr": csr, "profile_id": "external-subordinate-ca"]))
        #expect(created.status == 201, "\(created.text)")
        let json = try created.json()
        #expect(json["kind"] as? String == "IMPORTED" && json["key_uri"] == nil && json["parent_id"] as? String == server.gate.rootID)
        let certificate = try Certificate(pemEncoded: json["certificate"] as? String ?? "")
        #expect(try certificate.extensions.basicConstraints == .isCertificateAuthority(maxPathLength: 0))
        let file = try server.scratch.write(id + ".pem", Array((json["certificate"] as? String ?? "").utf8))
        let verified = try Tool.run("openssl", ["verify", "-x509_strict", "-CAfile", server.rootFile, file])
        #expect(verified.status == 0, "\(verified.output)\(verified.error)")
        let decisions = try await server.gate.environment.rows(
            "SELECT action || ':' || outcome FROM decisions WHERE serial_number = \(SerialText.lowercase(certificate.serialNumber))", as: String.self
        )
        #expect(decisions == ["SIGN_EXTERNAL_CA:APPROVED"])
        // The keyless CA is a parent in Signet, never a signer.
        let signed = try sign(server, ca: id, profile: nil, token: server.token(["admin"]))
        #expect(signed.status == 422 && Self.error(signed)["rule"] as? String == "ca.can_sign", "\(signed.text)")
    }

    @Test func pathLengthAndNameConstraintsComeFromTheCAProfile() async throws {
        let fixture = try await GateFixture.get()
        let core = fixture.environment.core
        let constrained = try await fixture.profile(from: "subordinate-ca", allowOnIssuingCA: false) {
            $0.pathLength = 0
            $0.nameConstraints = NameConstraintsTemplate(permittedDNS: ["devices.example.com"], excludedIP: ["10.0.0.0/8"])
        }
        let root = try #require(try await fixture.environment.stores.cas.ca(id: fixture.rootID))
        try await fixture.environment.stores.cas.setAllowedProfiles(caID: fixture.rootID, root.allowedProfiles + [constrained])
        let caID = unique("constrained")
        var request = CACreationRequest(
            id: caID, subject: try SubjectText.parse("CN=Constrained \(caID)"), keySpec: .ecP256, profileID: constrained,
            issuanceProfileID: "tls-server", parentID: fixture.rootID, requester: .localAdministrator("test")
        )
        let ca = try await core.createCA(request)
        let certificate = try Certificate(derEncoded: ca.certificateDER)
        #expect(try certificate.extensions.basicConstraints == .isCertificateAuthority(maxPathLength: 0))
        let constraints = try #require(certificate.extensions.first { $0.oid == [2, 5, 29, 30] })
        #expect(constraints.critical)

        // pathLen 0: no CA below it.
        request.id = unique("below"); request.parentID = caID; request.profileID = "subordinate-ca"
        try await fixture.environment.stores.cas.setAllowedProfiles(caID: caID, ["tls-server", "subordinate-ca"])
        let deeper = await #expect(throws: GateError.self) { try await core.createCA(request) }
        guard case .refused(let refusal)? = deeper else { Issue.record("expected a refusal"); return }
        #expect(refusal.rule == "ca.path_len")

        // The gate keeps to its own CA's nameConstraints.
        let scratch = try Scratch()
        let inside = try OpenSSLCSR.make(subject: "/CN=a.devices.example.com", extensions: ["subjectAltName=DNS:a.devices.example.com"], in: scratch)
        _ = try await core.issue(csr: inside, caID: caID, profileID: "tls-server", requester: Requester("test"))
        for outside in ["DNS:a.devices.example.org", "IP:10.1.2.3"] {
            let csr = try OpenSSLCSR.make(subject: "/CN=outside", extensions: ["subjectAltName=\(outside)"], in: scratch)
            let error = await #expect(throws: GateError.self) { try await core.issue(csr: csr, caID: caID, profileID: "tls-server", requester: Requester("test")) }
            guard case .refused(let refusal)? = error else { Issue.record("expected a refusal for \(outside)"); continue }
            #expect(refusal.rule == "issuer.name_constraints", "\(outside): \(refusal.detail)")
        }
    }
}

/// Serials as the database stores them.
enum SerialText {
    static func lowercase(_ serial: Certificate.SerialNumber) -> String {
        serial.bytes.map { String(format: "%02x", $0) }.joined()
    }
}
