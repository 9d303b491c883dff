import Foundation
@testable import SignetCore
import SignetServer
import SignetToken
import Testing

/// A CA's responses are pre-signed by one pre-signer only, the lease holder's, for new
/// certificates and for revocation changes alike. The process that revokes signs nothing
/// itself: when it did, it raced the pre-signer and the same response was signed twice.
/// The test holds the CA's pre-signing lease itself, so the test servers' pre-signers
/// leave the CA alone and the test's own core, on a token object whose signature counter
/// is exact, is its only pre-signer.
@Suite struct OCSPPresignerTests {
    @Test func aRevocationChangeIsSignedOnceByThePresignerNotByTheRevokingProcess() async throws {
        let fixture = try await RevocationFixture.make("ocsp-one-presigner")
        let environment = try await TestEnvironment.get()
        try await fixture.holdPresigningLease()
        let certificate = try fixture.issue()
        let (core, token) = try await OCSPLimitTests.core()
        func current() async throws -> StoredOCSPResponse? {
            try await environment.stores.ocsp.response(issuerCAID: fixture.caID, serialNumber: certificate.serial, hashAlgorithm: .sha1, validAfter: Date())
        }

        // The new certificate's first response came with it (the server signs it at issuance).
        #expect(try await current()?.revision == 0)
        let first = try await core.refreshOCSP(caID: fixture.caID, from: .start)
        #expect(first.signed == 0, "the new certificate: \(first.signed)")

        // Revoked by the server, and by this core: neither signs on the spot.
        let before = token.signatureCount
        #expect(try fixture.setStatus(certificate.serial, ["status": "REVOKED", "revocation_reason": "CertificateHold"]).status == 200)
        _ = try await core.unhold(serialNumber: certificate.serial, requester: Requester("ocsp-presigner-test", roles: ["admin"]))
        try await Task.sleep(for: .seconds(1))
        #expect(token.signatureCount == before, "revoking signed \(token.signatureCount - before) responses")
        #expect(try await current() == nil, "the response of the older revision is not current")

        // Long after the certificate's issue time, the pre-signer finds the change by its revision.
        let changed = try await core.refreshOCSP(caID: fixture.caID, from: OCSPRefreshMark(issuedFrom: Date(), revision: first.next.revision))
        #expect(changed.signed == 1, "the changed certificate: \(changed.signed)")
        #expect(token.signatureCount == before + 1)
        let revision = try await environment.rows("SELECT revocation_seq FROM certificates WHERE serial_number = \(certificate.serial)", as: Int64.self)
        #expect(try await current()?.revision == revision.first)
        let again = try await core.refreshOCSP(caID: fixture.caID, from: changed.next)
        #expect(again.signed == 0, "nothing is signed twice")

        let answer = try fixture.ocsp(["-cert", certificate.file])
        #expect(answer.verified && answer.text.contains("Cert Status: good"), "\(answer.text)")
        #expect(token.signatureCount == before + 1)
    }
}
