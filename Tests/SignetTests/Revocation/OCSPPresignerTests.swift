import Foundation
@testable import SignetCore
import SignetServer
import SignetToken
import Testing

/// A CA's responses are pre-signed by one pre-signer only, the lease holder's, for new
/// certificates and for revocation changes alike. The process that revokes signs nothing
/// itself: when it did, it raced the pre-signer and the same response was signed twice.
/// The server here pre-signs nothing (`ocsp_presign` off), so the test's own core, on a
/// token object whose signature counter is exact, is the only pre-signer.
@Suite struct OCSPPresignerTests {
    @Test func aRevocationChangeIsSignedOnceByThePresignerNotByTheRevokingProcess() async throws {
        let server = try await ServerFixture.start(extraEnvironment: ["SIGNET_OCSP_PRESIGN": "false"])
        defer { ServerProcesses.shared.process(port: server.port)?.terminate() }
        let fixture = try await RevocationFixture.make("ocsp-one-presigner", server: server)
        let environment = try await TestEnvironment.get()
        let certificate = try fixture.issue()
        let (core, token) = try await OCSPLimitTests.core()
        func current() async throws -> StoredOCSPResponse? {
            try await environment.stores.ocsp.response(issuerCAID: fixture.caID, serialNumber: certificate.serial, hashAlgorithm: .sha1, validAfter: Date())
        }

        let first = try await core.refreshOCSP(caID: fixture.caID, from: .start)
        #expect(first.signed == 1, "the new certificate: \(first.signed)")
        #expect(try await current()?.revision == 0)

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
