import Foundation
import SignetCore
import SwiftASN1
import Testing
import X509

/// The gate lints the exact TBS it is about to have signed: a lint error refuses with the
/// lint's name in the recorded decision and nothing is issued; a pass is in the approval.
@Suite struct LintGateTests {
    /// What reaches the TBS past every other rule of the gate, and the lint must stop: a
    /// request the CSR checks and issuance rules accept but RFC 5280 does not (a subject
    /// e-mail address missing from the SAN), and profiles altered in the database by someone
    /// who bypassed the profile API's checks (an over-long template value, a country that is
    /// not a country code).
    struct Case: Sendable {
        let name: String
        let lint: String
        let subject: @Sendable () throws -> DistinguishedName
        /// A jsonb_set path and JSON value written straight into the stored profile.
        var tamper: (path: String, value: String)? = nil
        var base = "tls-server"
    }

    static let requests: [Case] = [
        Case(name: "subject emailAddress without an rfc822Name", lint: "lint.name.email_not_in_san", subject: {
            DistinguishedName([try SoftwareCSR.attribute([1, 2, 840, 113549, 1, 9, 1], tag: 0x16, "ops@lint.example"),
                               RelativeDistinguishedName(.init(type: .RDNAttributeType.commonName, utf8String: "lint.example"))])
        }),
        Case(name: "a stored profile whose organization has 65 characters", lint: "lint.name.too_long",
             subject: { try DistinguishedName { CommonName("lint-device") } },
             tamper: ("{subject,organization}", "\"" + String(repeating: "o", count: 65) + "\""), base: "iot-device"),
        Case(name: "a stored profile whose country is not a code", lint: "lint.name.country_code",
             subject: { try DistinguishedName { CommonName("lint-device") } },
             tamper: ("{subject,country}", "\"D1\""), base: "iot-device"),
    ]

    @Test(arguments: 0..<3)
    func aLintErrorRefusesWithTheLintsName(_ index: Int) async throws {
        let request = Self.requests[index]
        let fixture = try await GateFixture.get()
        let requester = unique("lint-refusal")
        let profile = try await fixture.profile(from: request.base)
        if let tamper = request.tamper {
            _ = try await fixture.environment.rows(
                "UPDATE issuance_profiles SET document = jsonb_set(document, \(tamper.path)::text[], \(tamper.value)::jsonb) WHERE id = \(profile) RETURNING id", as: String.self
            )
        }
        let csr = try SoftwareCSR.make(subject: try request.subject(), key: .p256)
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
}
