import Foundation
import Testing

/// The OCSP responder as relying parties use it: requests built by openssl, responses
/// verified by openssl, for CA-signed and delegated responders.
@Suite struct OCSPTests {
    @Test func goodRevokedAndGoodAgain() async throws {
        let fixture = try await RevocationFixture.make("ocsp")
        let certificate = try fixture.issue()

        let good = try fixture.ocsp(["-cert", certificate.file])
        #expect(good.verified, "\(good.text)")
        #expect(good.text.contains("\(certificate.file): good"), "\(good.text)")

        #expect(try fixture.setStatus(certificate.serial, ["status": "REVOKED", "revocation_reason": "CertificateHold"]).status == 200)
        let held = try fixture.ocsp(["-cert", certificate.file])
        #expect(held.verified && held.text.contains("\(certificate.file): revoked"), "\(held.text)")
        #expect(held.text.contains("Reason: certificateHold"), "\(held.text)")

        #expect(try fixture.setStatus(certificate.serial, ["status": "ACTIVE"]).status == 200)
        let again = try fixture.ocsp(["-cert", certificate.file])
        #expect(again.verified && again.text.contains("\(certificate.file): good"), "\(again.text)")

        #expect(try fixture.setStatus(certificate.serial, ["status": "REVOKED", "revocation_reason": "KeyCompromise"]).status == 200)
        let revoked = try fixture.ocsp(["-cert", certificate.file], viaGET: true)
        #expect(revoked.verified && revoked.text.contains("Reason: keyCompromise"), "\(revoked.text)")
    }

    @Test func unknownUnauthorizedAndMalformed() async throws {
        let fixture = try await RevocationFixture.make("ocsp-edge")
        let server = fixture.server

        let unknown = try fixture.ocsp(["-serial", "0x0123456789abcdef"])
        #expect(unknown.verified && unknown.text.contains("0x0123456789abcdef: unknown"), "\(unknown.text)")

        // An issuer Signet does not hold.
        let foreignKey = server.scratch.path(unique("foreign") + ".key"), foreign = server.scratch.path(unique("foreign") + ".pem")
        _ = try Tool.run("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", foreignKey, "-subj", "/CN=Foreign CA", "-days", "2", "-out", foreign])
        let unauthorized = try fixture.ocsp(["-serial", "0x01"], issuer: foreign)
        #expect(unauthorized.text.contains("unauthorized"), "\(unauthorized.text)")

        // Garbage, a truncated request, an unsupported CertID hash: malformedRequest, never a 500.
        let good = try fixture.ocsp(["-serial", "0x01"])
        let request = Array(good.text.isEmpty ? [] : try fixture.requestBytes(["-serial", "0x01"]))
        for body in [Array("hello".utf8), Array(request.prefix(request.count - 3)), try fixture.requestBytes(["-serial", "0x01"], extra: ["-no_nonce", "-md5"])] {
            let result = try server.curl("POST", "/ocsp", body: body, contentType: "application/ocsp-request")
            #expect(result.status == 200)
            #expect(result.body == [0x30, 0x03, 0x0A, 0x01, 0x01], "malformedRequest expected, got \(result.body)")
        }
        let badGET = try server.curl("GET", "/ocsp/%%%not-base64")
        #expect(badGET.status == 200 && badGET.body == [0x30, 0x03, 0x0A, 0x01, 0x01])
        // HTTP-level mistakes get HTTP errors.
        #expect(try server.curl("POST", "/ocsp", body: request, contentType: "application/json").status == 415)
        #expect(try server.curl("POST", "/ocsp", body: [UInt8](repeating: 0x30, count: 20_000), contentType: "application/ocsp-request").status == 413)
    }

    /// Nonces are ignored by default (RFC 5019): the answer is the response without one
    /// (`OCSPLimitTests` covers `ocsp_nonce: honour`).
    @Test func nonceIsIgnoredAndGETIsCacheable() async throws {
        let fixture = try await RevocationFixture.make("ocsp-nonce")
        let certificate = try fixture.issue()
        let withNonce = try fixture.ocsp(["-cert", certificate.file], extra: ["-nonce"])
        #expect(withNonce.verified, "\(withNonce.text)")
        #expect(!withNonce.text.contains("OCSP Nonce"), "\(withNonce.text)")
        #expect(withNonce.text.contains("WARNING: no nonce in response"), "\(withNonce.text)")

        let viaGET = try fixture.ocsp(["-cert", certificate.file], viaGET: true)
        #expect(viaGET.verified && viaGET.text.contains("good"), "\(viaGET.text)")
        let cacheControl = try #require(viaGET.headers.header("Cache-Control"))
        #expect(cacheControl.contains("max-age=") && cacheControl.contains("public"))
        #expect(viaGET.headers.header("ETag") != nil && viaGET.headers.header("Expires") != nil && viaGET.headers.header("Last-Modified") != nil)
    }

    /// Responses are signed ahead of requests and served from the store: the same bytes
    /// until the certificate's status changes.
    @Test func responsesArePresignedAndRefreshedOnRevocation() async throws {
        let fixture = try await RevocationFixture.make("ocsp-presign")
        let certificate = try fixture.issue()
        let environment = try await TestEnvironment.get()
        let presigned = try await RevocationFixture.eventuallyAsync {
            try await environment.rows("SELECT count(*) FROM ocsp_responses WHERE serial_number = \(certificate.serial)", as: Int.self).first == 1
        }
        #expect(presigned)
        let first = try fixture.ocsp(["-cert", certificate.file])
        let second = try fixture.ocsp(["-cert", certificate.file])
        #expect(first.response == second.response)
        #expect(first.text.contains("good"))
        #expect(try fixture.setStatus(certificate.serial, ["status": "REVOKED", "revocation_reason": "Superseded"]).status == 200)
        let after = try fixture.ocsp(["-cert", certificate.file])
        #expect(after.verified && after.text.contains("revoked") && after.text.contains("Reason: superseded"), "\(after.text)")
        #expect(try fixture.ocsp(["-cert", certificate.file]).response == after.response)

        // A stored response close to its nextUpdate is signed again ahead of time.
        let before = try await environment.rows("SELECT produced_at FROM ocsp_responses WHERE serial_number = \(certificate.serial)", as: Date.self)
        _ = try await environment.rows("UPDATE ocsp_responses SET next_update = now() + interval '1 hour' WHERE serial_number = \(certificate.serial) RETURNING 1", as: Int.self)
        let renewed = try await RevocationFixture.eventuallyAsync(20) {
            let current = try await environment.rows("SELECT produced_at, next_update FROM ocsp_responses WHERE serial_number = \(certificate.serial)", as: (Date, Date).self)
            return current.count == 1 && current[0].0 > before[0] && current[0].1 > Date().addingTimeInterval(12 * 3600)
        }
        #expect(renewed)
        let refreshed = try fixture.ocsp(["-cert", certificate.file])
        #expect(refreshed.verified && refreshed.text.contains("Reason: superseded") && refreshed.response != after.response, "\(refreshed.text)")
    }

    @Test func delegatedResponderSignsWithItsOwnCertificate() async throws {
        let fixture = try await RevocationFixture.make("ocsp-delegated")
        let server = fixture.server
        let certificate = try fixture.issue()

        // The profile must grant OCSPSigning.
        let wrong = try server.curl("PUT", "/api/ca/v1/cas/\(fixture.caID)/ocsp-signer", token: fixture.admin, body: try server.json(["mode": "delegated", "profile_id": "iot-device"]))
        #expect(wrong.status == 422, "\(wrong.text)")
        #expect(try server.curl("PUT", "/api/ca/v1/cas/\(fixture.caID)/ocsp-signer", token: server.token(["operator"]), body: try server.json(["mode": "ca"])).status == 403)
        let configured = try server.curl("PUT", "/api/ca/v1/cas/\(fixture.caID)/ocsp-signer", token: fixture.admin, body: try server.json(["mode": "delegated", "profile_id": "ocsp-responder"]))
        #expect(configured.status == 200, "\(configured.text)")
        let signerPEM = try #require(try configured.json()["ocsp_signer_certificate"] as? String)
        let signerFile = try server.scratch.write(unique("responder") + ".pem", Array(signerPEM.utf8))
        let signerText = try Tool.run("openssl", ["x509", "-in", signerFile, "-noout", "-text"]).output
        #expect(signerText.contains("OCSP Signing") && signerText.contains("OCSP No Check"), "\(signerText)")

        let delegated = try fixture.ocsp(["-cert", certificate.file])
        #expect(delegated.verified, "\(delegated.text)")
        #expect(delegated.text.contains("OCSP Responder"), "the response carries the responder certificate: \(delegated.text)")
        #expect(try fixture.setStatus(certificate.serial, ["status": "REVOKED", "revocation_reason": "KeyCompromise"]).status == 200)
        let revoked = try fixture.ocsp(["-cert", certificate.file], extra: ["-nonce"])
        #expect(revoked.verified && revoked.text.contains("Reason: keyCompromise"), "\(revoked.text)")

        // Back to the CA key.
        #expect(try server.curl("PUT", "/api/ca/v1/cas/\(fixture.caID)/ocsp-signer", token: fixture.admin, body: try server.json(["mode": "ca"])).status == 200)
        let byCA = try fixture.ocsp(["-cert", certificate.file])
        #expect(byCA.verified && !byCA.text.contains("OCSP Responder"), "\(byCA.text)")
    }
}
