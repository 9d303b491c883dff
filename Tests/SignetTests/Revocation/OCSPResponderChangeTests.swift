import Foundation
@testable import SignetCore
import SignetServer
import Testing

/// When a CA's OCSP responder changes, its stored responses are dropped; a pre-signer that
/// was already signing a batch with the old key stores it after the drop. Such a response
/// must not be served, and its certificate must count as unsigned so that it is signed again.
@Suite struct OCSPResponderChangeTests {
    @Test func aResponseStoredAfterTheResponderChangedIsNotServed() async throws {
        let fixture = try await RevocationFixture.make("ocsp-responder-change")
        let server = fixture.server
        let environment = try await TestEnvironment.get()
        let certificate = try fixture.issue()

        // Signed by the CA key while it is the responder; kept to store again later.
        let byCA = try fixture.ocsp(["-cert", certificate.file])
        #expect(byCA.verified && !byCA.text.contains("OCSP Responder"), "\(byCA.text)")
        let stored = try #require(try await environment.stores.ocsp.response(
            issuerCAID: fixture.caID, serialNumber: certificate.serial, hashAlgorithm: .sha1, validAfter: Date()
        ))
        #expect(stored.responder == "")

        let configured = try server.curl("PUT", "/api/ca/v1/cas/\(fixture.caID)/ocsp-signer", token: fixture.admin,
                                         body: try server.json(["mode": "delegated", "profile_id": "ocsp-responder"]))
        #expect(configured.status == 200, "\(configured.text)")

        // The late batch lands after the purge.
        try await environment.stores.ocsp.save([stored])
        let served = try await environment.stores.ocsp.response(
            issuerCAID: fixture.caID, serialNumber: certificate.serial, hashAlgorithm: .sha1, validAfter: Date()
        )
        #expect(served == nil, "a response by the CA key is not current once a delegated responder signs")
        let unsigned = try await environment.stores.ocsp.unsignedCertificates(
            issuerCAID: fixture.caID, hashAlgorithm: .sha1, issuedFrom: Date(timeIntervalSince1970: 0), limit: 100
        )
        #expect(unsigned.contains { $0.0.serialNumber == certificate.serial }, "its certificate is signed again")

        let answered = try fixture.ocsp(["-cert", certificate.file])
        #expect(answered.verified && answered.text.contains("OCSP Responder"), "the delegated responder answers: \(answered.text)")
    }
}
