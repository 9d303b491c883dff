import Foundation
import SignetCore
import Testing

/// The stage recorder `signet bench stages` prints from sees every stage of an issuance,
/// and nothing when it is not bound.
@Suite struct IssuanceStagesTests {
    @Test func everyStageOfAnIssuanceIsTimedWhenARecorderIsBound() async throws {
        let fixture = try await GateFixture.get()
        // As the server issues: the first OCSP response signed with the certificate.
        let (core, _) = try await OCSPLimitTests.core { $0.ocspAtIssuance = true }
        let stages = IssuanceStages()
        let csr = try OpenSSLCSR.make(subject: "/CN=staged-device", in: try Scratch())
        try await IssuanceStages.$current.withValue(stages) {
            _ = try await core.issue(csr: csr, caID: fixture.subID, requester: Requester("stages"))
        }
        let rows = stages.perIssuance(1)
        #expect(rows.map(\.stage) == IssuanceStages.Stage.allCases.filter { $0 != .certificate })
        for row in rows { #expect(row.nanoseconds > 0, "\(row.stage)") }

        let unbound = IssuanceStages()
        _ = try await core.issue(csr: try OpenSSLCSR.make(subject: "/CN=unstaged-device", in: try Scratch()), caID: fixture.subID, requester: Requester("stages"))
        #expect(unbound.perIssuance(1).allSatisfy { $0.nanoseconds == 0 })
        #expect(stages.perIssuance(1).map(\.nanoseconds) == rows.map(\.nanoseconds), "an issuance outside the binding adds nothing")
    }
}
