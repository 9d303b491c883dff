import Foundation
import PostgresNIO
import Testing

/// Full and delta CRLs as relying parties see them: fetched over HTTPS without credentials,
/// verified and read by openssl.
@Suite struct CRLTests {
    @Test func fullAndDeltaCRLsListRevocationsAndVerify() async throws {
        let fixture = try await RevocationFixture.make("crl")
        let server = fixture.server
        let compromised = try fixture.issue(), held = try fixture.issue(), untouched = try fixture.issue()

        // The publisher produces the first CRLs by itself.
        #expect(try await RevocationFixture.eventually { try server.curl("GET", "/crl/\(fixture.caID)").status == 200 })
        let first = try fixture.crl()
        let firstNumber = try #require(RevocationFixture.number(first.text))
        #expect(first.text.contains("No Revoked Certificates"))
        #expect(first.text.contains("Issuing Distribution Point") && first.text.contains("URI:https://signet.test/crl/\(fixture.caID)"))
        #expect(first.text.contains("Freshest CRL") && first.text.contains("URI:https://signet.test/crl/\(fixture.caID)/delta"))
        #expect(first.text.contains("Authority Key Identifier"))

        #expect(try fixture.setStatus(compromised.serial, ["status": "REVOKED", "revocation_reason": "KeyCompromise", "invalidity_date": "2026-01-02T03:04:05Z"]).status == 200)
        #expect(try fixture.setStatus(held.serial, ["status": "REVOKED", "revocation_reason": "CertificateHold"]).status == 200)

        // Soon after, a delta on the first full CRL lists both, with reasons.
        var delta = (text: "", der: [UInt8]())
        #expect(try await RevocationFixture.eventually {
            delta = try fixture.crl(delta: true)
            return delta.text.contains(compromised.serial.opensslSerial) && delta.text.contains(held.serial.opensslSerial)
        }, "\(delta.text)")
        #expect(RevocationFixture.number(delta.text, label: "X509v3 Delta CRL Indicator") == firstNumber)
        #expect(delta.text.contains("Key Compromise") && delta.text.contains("Certificate Hold"))
        #expect(delta.text.contains("Invalidity Date") && delta.text.contains("Jan  2 03:04:05 2026 GMT"))
        #expect(!delta.text.contains(untouched.serial.opensslSerial))
        let deltaNumber = try #require(RevocationFixture.number(delta.text))
        #expect(deltaNumber > firstNumber)

        // An operator asks for a full CRL now: it lists both, with a higher number.
        let published = try server.curl("POST", "/api/ca/v1/cas/\(fixture.caID)/crl", token: server.token(["operator"]))
        #expect(published.status == 200, "\(published.text)")
        let full = try fixture.crl()
        let fullNumber = try #require(RevocationFixture.number(full.text))
        #expect(fullNumber > deltaNumber)
        #expect(full.text.contains(compromised.serial.opensslSerial) && full.text.contains(held.serial.opensslSerial))
        #expect(!full.text.contains(untouched.serial.opensslSerial))

        // Lifting the hold: the next delta says RemoveFromCRL; the next full CRL drops it.
        #expect(try fixture.setStatus(held.serial, ["status": "ACTIVE"]).status == 200)
        #expect(try await RevocationFixture.eventually {
            delta = try fixture.crl(delta: true)
            return delta.text.contains("Remove From CRL")
        }, "\(delta.text)")
        #expect(RevocationFixture.number(delta.text, label: "X509v3 Delta CRL Indicator") == fullNumber)
        #expect(delta.text.contains(held.serial.opensslSerial) && !delta.text.contains(compromised.serial.opensslSerial))
        _ = try server.curl("POST", "/api/ca/v1/cas/\(fixture.caID)/crl", token: fixture.admin)
        let later = try fixture.crl()
        #expect(later.text.contains(compromised.serial.opensslSerial) && !later.text.contains(held.serial.opensslSerial))

        // Public routes: no token needed; unknown CAs are a clear 404.
        let missing = try server.curl("GET", "/crl/no-such-ca")
        #expect(missing.status == 404)
        #expect(missing.header("Content-Type")?.hasPrefix("application/json") == true)
        let headers = try server.curl("GET", "/crl/\(fixture.caID)")
        #expect(headers.header("Content-Type") == "application/pkix-crl")
    }

    @Test func everyPublicationIsARecordedDecision() async throws {
        let fixture = try await RevocationFixture.make("crl-audit")
        let environment = try await TestEnvironment.get()
        _ = try fixture.server.curl("POST", "/api/ca/v1/cas/\(fixture.caID)/crl", token: fixture.admin)
        let crls = try await environment.rows("SELECT crl_number, decision_id FROM crls WHERE ca_id = \(fixture.caID) ORDER BY crl_number", as: (Int64, UUID).self)
        #expect(!crls.isEmpty)
        for (number, decision) in crls {
            let outcomes = try await environment.rows("SELECT outcome FROM decisions WHERE id = \(decision) AND action = 'PUBLISH_CRL' AND ca_id = \(fixture.caID)", as: String.self)
            #expect(outcomes == ["APPROVED"], "CRL \(number)")
        }

        // Rows stay for every CRL; bytes only for the two latest of each kind.
        for _ in 0..<2 { _ = try fixture.server.curl("POST", "/api/ca/v1/cas/\(fixture.caID)/crl", token: fixture.admin) }
        let all = try await environment.rows("SELECT crl_number, kind FROM crls WHERE ca_id = \(fixture.caID) ORDER BY crl_number DESC", as: (Int64, String).self)
        let kept = Set(try await environment.rows("SELECT DISTINCT crl_number FROM crl_chunks WHERE ca_id = \(fixture.caID)", as: Int64.self))
        let newest = Set(all.filter { $0.1 == "FULL" }.prefix(2).map(\.0) + all.filter { $0.1 == "DELTA" }.prefix(2).map(\.0))
        #expect(all.count >= 6)
        #expect(kept == newest)
        _ = try fixture.crl()
        _ = try fixture.crl(delta: true)
    }

    /// Two servers on one database revoking at the same time: every CRL number is used once,
    /// numbers grow with the state they cover, and the last full CRL lists everything.
    @Test func twoServersPublishOneConsistentSequence() async throws {
        let first = try await ServerFixture.get()
        let second = try await ServerFixture.start()
        let fixture = try await RevocationFixture.make("crl-two", server: first)
        let serials = try (0..<12).map { _ in try fixture.issue().serial }
        let admins = [fixture.admin, second.token(["admin"])]

        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, serial) in serials.enumerated() {
                let server = index.isMultiple(of: 2) ? first : second
                let admin = admins[index % 2]
                group.addTask {
                    let result = try server.curl("PUT", "/api/ca/v1/certificates/\(serial)/status", token: admin, body: try server.json(["status": "REVOKED", "revocation_reason": "Superseded"]))
                    #expect(result.status == 200, "\(result.text)")
                    if index.isMultiple(of: 3) {
                        let published = try server.curl("POST", "/api/ca/v1/cas/\(fixture.caID)/crl", token: admin)
                        #expect(published.status == 200, "\(published.text)")
                    }
                }
            }
            try await group.waitForAll()
        }
        _ = try second.curl("POST", "/api/ca/v1/cas/\(fixture.caID)/crl", token: admins[1])
        await second.stop()

        let environment = try await TestEnvironment.get()
        let rows = try await environment.rows(
            "SELECT crl_number, revision, this_update, kind FROM crls WHERE ca_id = \(fixture.caID) ORDER BY crl_number",
            as: (Int64, Int64, Date, String).self
        )
        #expect(rows.count >= 6)
        for (earlier, later) in zip(rows, rows.dropFirst()) {
            #expect(later.0 > earlier.0)
            #expect(later.1 >= earlier.1, "CRL \(later.0) covers revision \(later.1), before \(earlier.0)'s \(earlier.1)")
            #expect(later.2 >= earlier.2)
        }
        let full = try fixture.crl()
        for serial in serials { #expect(full.text.contains(serial.opensslSerial)) }
        let lastFull = try #require(rows.last { $0.3 == "FULL" })
        #expect(RevocationFixture.number(full.text) == Int(lastFull.0))
    }
}
