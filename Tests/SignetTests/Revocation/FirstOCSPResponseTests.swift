import Foundation
@testable import SignetCore
import SignetToken
import Testing

/// With `ocsp_presign` on (the server's default), the gate signs a new certificate's first
/// OCSP response right after the certificate, under the certificate's own approval, and
/// commits it in the certificate's write: it is served at once, without the token, and the
/// pre-signer has nothing left to read back and sign. Off, issuance signs the certificate only.
@Suite struct FirstOCSPResponseTests {
    @Test func theFirstResponseIsCommittedWithTheCertificateAndServed() async throws {
        let fixture = try await RevocationFixture.make("ocsp-first")
        let environment = try await TestEnvironment.get()
        try await fixture.holdPresigningLease()
        let certificate = try fixture.issue()
        let stored = try await environment.stores.ocsp.response(issuerCAID: fixture.caID, serialNumber: certificate.serial, hashAlgorithm: .sha1, validAfter: Date())
        let response = try #require(stored, "no response was committed with the certificate")
        #expect(response.revision == 0 && response.responder == "")

        let rules = try await environment.rows(
            "SELECT rules::text FROM decisions WHERE serial_number = \(certificate.serial) AND outcome = 'APPROVED'", as: String.self
        )
        #expect(rules.count == 1 && rules[0].contains("ocsp.first_response"), "\(rules)")

        let answer = try fixture.ocsp(["-cert", certificate.file])
        #expect(answer.verified && answer.text.contains("Cert Status: good"), "\(answer.text)")
        #expect(answer.response == response.der, "the served answer is the one committed with the certificate")

        let (core, token) = try await OCSPLimitTests.core()
        let before = token.signatureCount
        let pass = try await core.refreshOCSP(caID: fixture.caID, from: .start)
        #expect(pass.signed == 0 && token.signatureCount == before, "the pre-signer signed \(pass.signed) responses")
    }

    @Test func issuanceSignsTheFirstResponseOnlyWhenAskedTo() async throws {
        let fixture = try await GateFixture.get()
        let environment = fixture.environment
        for atIssuance in [false, true] {
            let (core, token) = try await OCSPLimitTests.core { $0.ocspAtIssuance = atIssuance }
            let csr = try OpenSSLCSR.make(subject: "/CN=first-ocsp-\(atIssuance)", in: try Scratch())
            let before = token.signatureCount
            let issued = try await core.issue(csr: csr, caID: fixture.subID, requester: Requester("first-ocsp"))
            #expect(token.signatureCount - before == (atIssuance ? 2 : 1), "at issuance \(atIssuance): \(token.signatureCount - before) signatures")
            let stored = try await environment.stores.ocsp.response(
                issuerCAID: fixture.subID, serialNumber: issued.record.serialNumber, hashAlgorithm: .sha1, validAfter: Date()
            )
            #expect((stored != nil) == atIssuance, "at issuance \(atIssuance): stored \(stored != nil)")
            if let stored {
                // openssl checks the signature with the CA certificate as the trusted responder.
                let scratch = try Scratch()
                let responseFile = try scratch.write("response.der", stored.der)
                let caFile = try scratch.write("ca.pem", Array(try fixture.sub.serializeAsPEM().pemString.utf8))
                let read = try Tool.run("openssl", ["ocsp", "-respin", responseFile, "-VAfile", caFile, "-resp_text"])
                #expect(read.status == 0 && read.output.contains("Cert Status: good") && read.error.contains("Response verify OK"), "\(read.output)\(read.error)")
            }
        }
    }
}
