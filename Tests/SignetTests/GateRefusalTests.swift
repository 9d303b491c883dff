import Foundation
import SignetCore
import SignetToken
import SwiftASN1
import Testing
import X509

/// Bad input and impossible requests: a clear refusal naming the rule, nothing signed,
/// the refusal recorded.
@Suite struct GateRefusalTests {
    struct BadRequest: Sendable, CustomTestStringConvertible {
        let name: String
        let rule: String
        let kind: Refusal.Kind
        let csr: @Sendable (Scratch) throws -> [UInt8]
        var caID: (@Sendable (GateFixture) -> String)? = nil
        var profileID: String? = nil
        var testDescription: String { name }
    }

    static func goodCSR(_ scratch: Scratch) throws -> [UInt8] {
        try OpenSSLCSR.make(subject: "/CN=refusal-probe", in: scratch)
    }

    static func der(_ pem: [UInt8]) throws -> [UInt8] {
        Array(try PEMDocument(pemString: String(decoding: pem, as: UTF8.self)).derBytes)
    }

    static let badRequests: [BadRequest] = [
        BadRequest(name: "garbage bytes", rule: "csr.decode", kind: .malformed, csr: { _ in Array("this is not a CSR".utf8) }),
        BadRequest(name: "PEM with a broken body", rule: "csr.decode", kind: .malformed, csr: { _ in Array("-----BEGIN CERTIFICATE REQUEST-----\nMIIB!!!\n-----END CERTIFICATE REQUEST-----\n".utf8) }),
        BadRequest(name: "truncated DER", rule: "csr.decode", kind: .malformed, csr: { try Array(der(goodCSR($0)).prefix(60)) }),
        BadRequest(name: "a certificate instead of a CSR", rule: "csr.decode", kind: .malformed, csr: { scratch in
            let key = scratch.path("self.key"), cert = scratch.path("self.pem")
            try Tool.run("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-subj", "/CN=x", "-out", cert])
            return try scratch.read("self.pem")
        }),
        BadRequest(name: "signature that does not verify", rule: "csr.proof_of_possession", kind: .malformed, csr: { scratch in
            var bytes = try der(goodCSR(scratch))
            bytes[bytes.count - 5] ^= 0xFF // inside the signature's integers
            return bytes
        }),
        BadRequest(name: "subject tampered after signing", rule: "csr.proof_of_possession", kind: .malformed, csr: { scratch in
            var bytes = try der(goodCSR(scratch))
            let probe = Array("refusal-probe".utf8)
            let at = try #require((0..<bytes.count - probe.count).first { Array(bytes[$0..<$0 + probe.count]) == probe })
            bytes[at] = UInt8(ascii: "R")
            return bytes
        }),
        BadRequest(name: "unknown CA", rule: "ca.exists", kind: .notFound, csr: goodCSR, caID: { _ in "no-such-ca" }),
        BadRequest(name: "unknown profile", rule: "profile.exists", kind: .notFound, csr: goodCSR, profileID: "no-such-profile"),
    ]

    @Test(arguments: badRequests)
    func badRequestsAreRefusedAndRecorded(_ bad: BadRequest) async throws {
        let fixture = try await GateFixture.get()
        let requester = unique("refusal-requester")
        let csr = try bad.csr(try Scratch())
        let caID = bad.caID?(fixture) ?? fixture.subID
        let error = await #expect(throws: GateError.self) {
            try await fixture.environment.core.issue(csr: csr, caID: caID, profileID: bad.profileID, requester: Requester(requester))
        }
        guard case .refused(let refusal)? = error else { Issue.record("expected a refusal, got \(String(describing: error))"); return }
        #expect(refusal.rule == bad.rule, "\(refusal.detail)")
        #expect(refusal.kind == bad.kind)
        #expect(!refusal.detail.isEmpty)
        let recorded = try await fixture.environment.rows(
            "SELECT outcome || ':' || failed_rule FROM decisions WHERE requester = \(requester)", as: String.self
        )
        #expect(recorded == ["REFUSED:\(bad.rule)"])
        let issued = try await fixture.environment.rows("SELECT count(*) FROM certificates WHERE requester = \(requester)", as: Int.self)
        #expect(issued == [0])
    }

    @Test func validityPastTheIssuersNotAfterIsClamped() async throws {
        let fixture = try await GateFixture.get()
        let profileID = try await fixture.profile(from: "iot-device") { $0.validity = .init(type: .duration, duration: "438000h") }
        let issued = try await fixture.environment.core.issue(
            csr: try Self.goodCSR(try Scratch()), caID: fixture.subID, profileID: profileID, requester: Requester("test-clamp")
        )
        #expect(issued.certificate.notValidAfter == fixture.sub.notValidAfter)
        let details = try await fixture.environment.rows(
            "SELECT r->>'detail' FROM decisions, jsonb_array_elements(rules) r WHERE id = \(issued.decisionID) AND r->>'rule' = 'validity'", as: String.self
        )
        #expect(details.count == 1)
        #expect(details.first?.hasPrefix("clamped from") == true, "\(details)")
    }

    @Test func aTokenSignatureThatDoesNotVerifyIsNeverReleased() async throws {
        let fixture = try await GateFixture.get()
        let environment = fixture.environment
        let caID = unique("mismatched")
        _ = try await environment.core.createCA(CACreationRequest(
            id: caID, subject: try SubjectText.parse("CN=Mismatched \(caID)"), keySpec: .ecP256,
            profileID: "subordinate-ca", issuanceProfileID: "iot-device", parentID: fixture.rootID, requester: .localAdministrator("test")
        ))
        // Point the CA at another key in the token: the token signs, but not with the CA's key.
        let otherKey: [UInt8] = (0..<16).map { _ in .random(in: .min ... .max) }
        let token = environment.token
        try await token.perform { _ = try token.generateKeyPair(.ecP256, id: otherKey, label: "impostor") }
        let uri = PKCS11URI(token: environment.tokenLabel, id: otherKey).description
        try await environment.database.client.fetch("UPDATE certificate_authorities SET key_uri = \(uri) WHERE id = \(caID)")

        let error = await #expect(throws: GateError.self) {
            try await environment.core.issue(csr: try Self.goodCSR(try Scratch()), caID: caID, requester: Requester("test"))
        }
        guard case .signatureNotVerified(let failedCA)? = error else { Issue.record("got \(String(describing: error))"); return }
        #expect(failedCA == caID)
        let certificates = try await environment.rows("SELECT count(*) FROM certificates WHERE issuer_ca_id = \(caID)", as: Int.self)
        #expect(certificates == [0])
        let outcomes = try await environment.rows("SELECT outcome || ':' || coalesce(failed_rule, '') FROM decisions WHERE ca_id = \(caID) AND action = 'ISSUE' ORDER BY decided_at, outcome", as: String.self)
        #expect(outcomes == ["APPROVED:", "FAILED:token.signature_verification"])
    }

    @Test func importedCAsAnchorButNeverSign() async throws {
        let fixture = try await GateFixture.get()
        let scratch = try Scratch()
        let result = try Tool.run("openssl", [
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", scratch.path("ext.key"),
            "-subj", "/CN=External Root", "-days", "30", "-addext", "basicConstraints=critical,CA:TRUE", "-out", scratch.path("ext.pem"),
        ])
        #expect(result.status == 0)
        let id = unique("imported")
        let imported = try await fixture.environment.core.importCA(id: id, certificate: try scratch.read("ext.pem"), requester: Requester("test"))
        #expect(imported.kind == .imported && imported.keyURI == nil && imported.level == 0)

        let error = await #expect(throws: GateError.self) {
            try await fixture.environment.core.issue(csr: try Self.goodCSR(scratch), caID: id, profileID: "iot-device", requester: Requester("test"))
        }
        guard case .refused(let refusal)? = error else { Issue.record("got \(String(describing: error))"); return }
        #expect(refusal.rule == "ca.can_sign")

        // A CA Signet holds can be imported elsewhere; re-importing one it issued finds its parent.
        let subPEM = try fixture.pem(fixture.sub)
        let reimported = try await fixture.environment.core.importCA(id: unique("reimport"), certificate: subPEM, requester: Requester("test"))
        #expect(reimported.parentID == fixture.rootID && reimported.level == 1)

        let notCA = try Tool.run("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", scratch.path("leaf.key"), "-subj", "/CN=leaf", "-addext", "basicConstraints=critical,CA:FALSE", "-out", scratch.path("leaf.pem")])
        #expect(notCA.status == 0)
        await #expect(throws: GateError.self) {
            try await fixture.environment.core.importCA(id: unique("leaf"), certificate: try scratch.read("leaf.pem"), requester: Requester("test"))
        }
    }

    @Test func caCreationIsGatedToo() async throws {
        let fixture = try await GateFixture.get()
        func create(_ id: String, profile: String, key: KeySpec = .ecP256, parent: String? = nil) async throws -> CARecord {
            try await fixture.environment.core.createCA(CACreationRequest(
                id: id, subject: try SubjectText.parse("CN=\(id)"), keySpec: key, profileID: profile,
                issuanceProfileID: "iot-device", parentID: parent, requester: .localAdministrator("test")
            ))
        }
        let cases: [(String, String, KeySpec, String?, String)] = [
            (unique("leafprofile"), "iot-device", .ecP256, fixture.rootID, "profile.sign_as_ca"),
            (fixture.subID, "subordinate-ca", .ecP256, fixture.rootID, "ca.id"),
            ("bad id!", "subordinate-ca", .ecP256, fixture.rootID, "ca.id"),
            (unique("orphan"), "subordinate-ca", .ecP256, "no-such-parent", "ca.exists"),
            (unique("weakroot"), "root-ca", .rsa(bits: 2048), nil, "crypto_enforcement"),
        ]
        for (id, profile, key, parent, rule) in cases {
            let error = await #expect(throws: GateError.self, "\(id)") { try await create(id, profile: profile, key: key, parent: parent) }
            guard case .refused(let refusal)? = error else { Issue.record("\(id): got \(String(describing: error))"); continue }
            #expect(refusal.rule == rule, "\(id): \(refusal.detail)")
        }
    }

    @Test func profileUpdatesMakeNewVersionsAndOldCertificatesKeepTheirs() async throws {
        let fixture = try await GateFixture.get()
        let profileID = try await fixture.profile(from: "tls-server")
        let first = try await fixture.environment.core.issue(csr: try Self.goodCSR(try Scratch()), caID: fixture.subID, profileID: profileID, requester: Requester("test"))
        var changed = try #require(try await fixture.environment.stores.profiles.profile(id: profileID)).profile
        #expect(try await fixture.environment.stores.profiles.save(StoredProfile(changed)) == .unchanged)
        changed.validity = .init(type: .duration, duration: "720h")
        #expect(try await fixture.environment.stores.profiles.save(StoredProfile(changed)) == .updated)
        let second = try await fixture.environment.core.issue(csr: try Self.goodCSR(try Scratch()), caID: fixture.subID, profileID: profileID, requester: Requester("test"))
        #expect(first.record.profileVersion != second.record.profileVersion)
        #expect(second.record.profileVersion == changed.versionHash)
        let stored = try await fixture.environment.stores.certificates.certificate(serialNumber: first.record.serialNumber)
        #expect(stored?.profileVersion == first.record.profileVersion)
        let versions = try await fixture.environment.rows("SELECT count(*) FROM issuance_profile_versions WHERE id = \(profileID)", as: Int.self)
        #expect(versions == [2])
    }
}
