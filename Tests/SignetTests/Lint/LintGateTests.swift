import Foundation
import SignetCore
import SwiftASN1
import Testing
import X509

/// The gate lints the exact TBS it is about to have signed: a lint error refuses with the
/// lint's name in the recorded decision and nothing is issued; a pass is in the approval.
@Suite struct LintGateTests {
    /// Requests the issuance rules let through and the lint must stop (RFC 5280 upper
    /// bounds and attribute string types are not issuance policy).
    static let requests: [(name: String, profile: String, lint: String, subject: @Sendable () throws -> DistinguishedName)] = [
        ("commonName of 65 characters", "iot-device", "lint.name.too_long",
         { try DistinguishedName { CommonName(String(repeating: "d", count: 65)) } }),
        ("emailAddress as UTF8String", "tls-server", "lint.name.string_type",
         { DistinguishedName([RelativeDistinguishedName(.init(type: .RDNAttributeType.commonName, utf8String: "lint.example")),
                              try SoftwareCSR.attribute([1, 2, 840, 113549, 1, 9, 1], tag: 0x0C, "ops@lint.example")]) }),
        ("PrintableString with '@'", "tls-server", "lint.name.printable_charset",
         { DistinguishedName([try SoftwareCSR.attribute(.RDNAttributeType.commonName, tag: 0x13, "ops@lint.example")]) }),
    ]

    @Test(arguments: 0..<3)
    func aLintErrorRefusesWithTheLintsName(_ index: Int) async throws {
        let request = Self.requests[index]
        let fixture = try await GateFixture.get()
        let requester = unique("lint-refusal")
        let csr = try SoftwareCSR.make(subject: try request.subject(), key: .p256)
        let error = await #expect(throws: GateError.self, "\(request.name)") {
            try await fixture.environment.core.issue(csr: csr, caID: fixture.subID, profileID: request.profile, requester: Requester(requester))
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
