import Foundation
import SignetCore
import Testing
import X509

/// RFC 5280 §3.3: a CA that was revoked or retired goes on publishing CRLs until the
/// certificates it issued expire; its key signs nothing else.
@Suite struct RetiredCACRLTests {
    static let unauthorized: [UInt8] = [0x30, 0x03, 0x0A, 0x01, 0x06]

    @Test func aRevokedCAPublishesCRLsUntilItsCertificatesExpireAndSignsNothingElse() async throws {
        let fixture = try await RevocationFixture.make("crl-revoked")
        let server = fixture.server
        let issued = try fixture.issue()
        #expect(try await RevocationFixture.eventually { try server.curl("GET", "/crl/\(fixture.caID)").status == 200 })
        let revoked = try server.curl("POST", "/api/ca/v1/cas/\(fixture.caID)/status", token: fixture.admin, body: try server.json(["status": "REVOKED", "revocation_reason": "CACompromise"]))
        #expect(revoked.status == 200, "\(revoked.text)")

        // The server's publisher lists the certificates it revoked with the CA.
        var published = ""
        #expect(try await RevocationFixture.eventually(20) {
            published = try fixture.crl(delta: true).text + (try fixture.crl().text)
            return published.contains(issued.serial.opensslSerial)
        }, "\(published)")
        #expect(published.contains("Cessation Of Operation"), "\(published)")

        let environment = try await TestEnvironment.get()
        let clock = TestClock(Date())
        let core = SigningCore(token: environment.token, stores: environment.stores, publicBaseURL: "https://signet.test", clock: { clock.now })
        let drafts = try await core.publishCRLs(caID: fixture.caID, forceFull: true)
        #expect(drafts.map(\.kind) == [.full, .delta])
        #expect(drafts.first?.entries == 1)
        #expect(try fixture.crl().text.contains(issued.serial.opensslSerial))

        // Only CRLs: no certificate, no OCSP response.
        let csr = try OpenSSLCSR.make(subject: "/CN=\(unique("after"))", in: server.scratch)
        let refusal = await #expect(throws: GateError.self) {
            try await core.issue(csr: csr, caID: fixture.caID, profileID: "iot-device", requester: Requester("test"))
        }
        if case .refused(let refused)? = refusal { #expect(refused.rule == "ca.can_sign") } else { Issue.record("\(String(describing: refusal))") }
        #expect(try await core.answerOCSP(try fixture.requestBytes(["-cert", issued.file])).der == Self.unauthorized)

        // Once its certificate (and so every certificate it issued) has expired: no more.
        let certificate = try Certificate(pemEncoded: String(contentsOfFile: fixture.caFile, encoding: .utf8))
        clock.advance(by: certificate.notValidAfter.timeIntervalSinceNow + 86_400)
        let late = await #expect(throws: GateError.self) { try await core.publishCRLs(caID: fixture.caID) }
        if case .refused(let refused)? = late { #expect(refused.rule == "ca.crl_after_retirement", "\(refused.detail)") } else { Issue.record("\(String(describing: late))") }
    }

    /// A pre-signer that read a certificate's new state while its CA's revocation was
    /// committing, and signed, must not leave that response to be served: stores drop it and
    /// never serve one for a CA that no longer answers (its responder says `unauthorized`).
    @Test func aRevokedCAsResponsesAreNeitherStoredNorServed() async throws {
        let fixture = try await RevocationFixture.make("ocsp-revoked")
        let issued = try fixture.issue()
        let environment = try await TestEnvironment.get()
        let ocsp = environment.stores.ocsp
        let first = try await ocsp.response(issuerCAID: fixture.caID, serialNumber: issued.serial, hashAlgorithm: .sha1, validAfter: Date())
        #expect(first != nil, "the first response is signed at issuance")

        let revoked = try fixture.server.curl("POST", "/api/ca/v1/cas/\(fixture.caID)/status", token: fixture.admin, body: try fixture.server.json(["status": "REVOKED", "revocation_reason": "KeyCompromise"]))
        #expect(revoked.status == 200, "\(revoked.text)")
        let state = try #require(try await ocsp.statuses(issuerCAID: fixture.caID, serialNumbers: [issued.serial])[issued.serial])
        #expect(state.revision > 0)
        // What a pre-signer racing the revocation would write: current for the certificate.
        try await ocsp.save([StoredOCSPResponse(
            issuerCAID: fixture.caID, serialNumber: issued.serial, hashAlgorithm: .sha1, revision: state.revision,
            responder: "", producedAt: Date(), nextUpdate: Date().addingTimeInterval(3_600), der: first?.der ?? [0x30, 0x00]
        )])
        #expect(try await ocsp.response(issuerCAID: fixture.caID, serialNumber: issued.serial, hashAlgorithm: .sha1, validAfter: Date()) == nil)
        let kept = try await environment.rows(
            "SELECT count(*) FROM ocsp_responses WHERE issuer_ca_id = \(fixture.caID) AND serial_number = \(issued.serial) AND revision = \(state.revision)", as: Int.self
        )
        #expect(kept == [0])
        #expect(try await ocsp.changedCertificates(issuerCAID: fixture.caID, hashAlgorithm: .sha1, fromRevision: 0, limit: 10).isEmpty)
        let served = try fixture.server.curl("POST", "/ocsp", body: try fixture.requestBytes(["-cert", issued.file]), contentType: "application/ocsp-request")
        #expect(served.status == 200 && served.body == Self.unauthorized, "\(served.status) \(served.body)")
    }

    @Test func aRetiredCAPublishesToo() async throws {
        let fixture = try await RevocationFixture.make("crl-retired")
        let issued = try fixture.issue()
        let retired = try fixture.server.curl("DELETE", "/api/ca/v1/cas/\(fixture.caID)?cascade=true", token: fixture.admin)
        #expect(retired.status == 204, "\(retired.text)")
        // The server's publisher lists it (in a delta, or in a first full CRL after the retirement).
        var published = ""
        #expect(try await RevocationFixture.eventually(20) {
            published = try fixture.crl(delta: true).text + (try fixture.crl().text)
            return published.contains(issued.serial.opensslSerial)
        }, "\(published)")
    }
}
