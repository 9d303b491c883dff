import Foundation
import SignetCore
import SwiftASN1
import Testing
import X509

/// The gate lints the exact TBS it is about to have signed: a lint error refuses with the
/// lint's name in the recorded decision and nothing is issued; a pass is in the approval.
@Suite struct LintGateTests {
    /// What reaches the TBS past every other rule of the gate, and the lint must stop:
    /// requests the CSR checks and issuance rules accept but RFC 5280 does not.
    struct Case: Sendable {
        let name: String
        let lint: String
        let subject: @Sendable () throws -> DistinguishedName
        var names: [GeneralName] = []
        var base = "tls-server"
    }

    static let requests: [Case] = [
        Case(name: "subject emailAddress without an rfc822Name", lint: "lint.name.email_not_in_san", subject: {
            DistinguishedName([try SoftwareCSR.attribute([1, 2, 840, 113549, 1, 9, 1], tag: 0x16, "ops@lint.example"),
                               RelativeDistinguishedName(.init(type: .RDNAttributeType.commonName, utf8String: "lint.example"))])
        }),
        // DNS names the lint refuses (a top label of one character, or ending in a digit) no
        // longer get this far: the CSR rules use the same syntax (NamePolicyTests).
    ]

    @Test(arguments: requests.indices)
    func aLintErrorRefusesWithTheLintsName(_ index: Int) async throws {
        let request = Self.requests[index]
        let fixture = try await GateFixture.get()
        let requester = unique("lint-refusal")
        let profile = try await fixture.profile(from: request.base)
        var extensions: Certificate.Extensions?
        if !request.names.isEmpty {
            extensions = try Certificate.Extensions { SubjectAlternativeNames(request.names) }
        }
        let csr = try SoftwareCSR.make(subject: try request.subject(), key: .p256, extensions: extensions)
        let error = await #expect(throws: GateError.self, "\(request.name)") {
            try await fixture.environment.core.issue(csr: csr, caID: fixture.subID, profileID: profile, requester: Requester(requester))
        }
        guard case .refused(let refusal)? = error else { Issue.record("\(request.name): expected a refusal, got \(String(describing: error))"); return }
        #expect(refusal.rule == request.lint, "\(refusal.detail)")
        #expect(refusal.kind == .policy)
        #expect(refusal.detail.contains("RFC 5280 lint"), "\(refusal.detail)")
        let recorded = try await fixture.environment.rows(
            "SELECT outcome || ':' || failed_rule FROM decisions WHERE requester = \(requester)", as: String.self
        )
        #expect(recorded == ["REFUSED:\(request.lint)"])
        let issued = try await fixture.environment.rows("SELECT count(*) FROM certificates WHERE requester = \(requester)", as: Int.self)
        #expect(issued == [0])
    }

    @Test func theApprovalCarriesTheLintOutcome() async throws {
        let fixture = try await GateFixture.get()
        let csr = try SoftwareCSR.make(subject: try DistinguishedName { CommonName("lint-approved") }, key: .p256)
        let issued = try await fixture.environment.core.issue(csr: csr, caID: fixture.subID, profileID: "iot-device", requester: Requester("test-lint"))
        let rules = try await fixture.environment.rows(
            "SELECT (rules -> -1 ->> 'rule') || ':' || (rules -> -1 ->> 'detail') FROM decisions WHERE id = \(issued.decisionID) AND outcome = 'APPROVED'", as: String.self
        )
        #expect(rules == ["lint:the certificate: no lint errors"])
        #expect(CertificateLint.lint(certificate: issued.record.der).findings.isEmpty)
    }

    /// The profile API refuses such a profile; one altered in the table behind its back is
    /// refused at issuance, before anything is signed.
    @Test func aProfileAlteredInTheDatabaseIsRefused() async throws {
        let fixture = try await GateFixture.get()
        let profile = try await fixture.profile(from: "iot-device")
        _ = try await fixture.environment.rows(
            "UPDATE issuance_profiles SET document = jsonb_set(document, '{extended_key_usages}', '[\"clientAuth\", \"ocspSigning\"]') WHERE id = \(profile) RETURNING id", as: String.self
        )
        let csr = try SoftwareCSR.make(subject: try DistinguishedName { CommonName("would-be-responder") }, key: .p256)
        let error = await #expect(throws: GateError.self) {
            try await fixture.environment.core.issue(csr: csr, caID: fixture.subID, profileID: profile, requester: Requester("test-tampered"))
        }
        guard case .refused(let refusal)? = error else { Issue.record("expected a refusal, got \(String(describing: error))"); return }
        #expect(refusal.rule == "profile.integrity", "\(refusal.detail)")
        #expect(refusal.detail.contains("ocspSigning"), "\(refusal.detail)")
        let issued = try await fixture.environment.rows("SELECT count(*) FROM certificates WHERE profile_id = \(profile)", as: Int.self)
        #expect(issued == [0])
    }
}
