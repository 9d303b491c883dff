import Foundation
import PostgresNIO
import SignetCore
import Testing
import X509

/// Revocation outside the happy API path: the CLI, expiry, and when CRLs are published.
@Suite struct RevocationLifecycleTests {
    @Test func cliRevokesUnholdsAndPublishes() async throws {
        let fixture = try await RevocationFixture.make("cli-revoke")
        let held = try fixture.issue(), compromised = try fixture.issue()

        let hold = try CLITests.signet("cert", "revoke", held.serial, "--reason", "CertificateHold")
        #expect(hold.status == 0, "\(hold.error)")
        #expect(hold.output.contains("revoked \(held.serial) (CertificateHold)"))
        let lifted = try CLITests.signet("cert", "unhold", held.serial)
        #expect(lifted.status == 0 && lifted.output.contains("ACTIVE"), "\(lifted.error)")

        let revoked = try CLITests.signet("cert", "revoke", compromised.serial, "--reason", "keycompromise", "--invalidity-date", "2026-02-03T04:05:06Z")
        #expect(revoked.status == 0, "\(revoked.error)")
        let refused = try CLITests.signet("cert", "unhold", compromised.serial)
        #expect(refused.status == 2)
        #expect(refused.error.contains("rule 'revocation.on_hold'"), "\(refused.error)")
        let badReason = try CLITests.signet("cert", "revoke", held.serial, "--reason", "Bored")
        #expect(badReason.status != 0 && badReason.error.contains("KeyCompromise"))

        let published = try CLITests.signet("ca", "publish-crl", fixture.caID)
        #expect(published.status == 0, "\(published.error)")
        #expect(published.output.contains("FULL CRL number") && published.output.contains("DELTA CRL number"))
        let crl = try fixture.crl()
        #expect(crl.text.contains(compromised.serial.opensslSerial) && !crl.text.contains(held.serial.opensslSerial))
        let state = try fixture.server.curl("GET", "/api/ca/v1/certificates/\(compromised.serial)", token: fixture.admin).json()
        #expect(state["revocation_reason"] as? String == "KeyCompromise")
    }

    /// EXPIRED comes from notAfter at every read, not from a job: move notAfter into the
    /// past (as time would) and the status, the filter and the stats follow at once.
    @Test func expiryIsDerivedFromNotAfter() async throws {
        let fixture = try await RevocationFixture.make("expiry")
        let server = fixture.server
        let certificate = try fixture.issue()
        let environment = try await TestEnvironment.get()
        _ = try await environment.rows("UPDATE certificates SET not_after = now() - interval '1 hour' WHERE serial_number = \(certificate.serial) RETURNING 1", as: Int.self)

        let read = try server.curl("GET", "/api/ca/v1/certificates/\(certificate.serial)", token: fixture.admin).json()
        #expect(read["status"] as? String == "EXPIRED")
        let filtered = try server.curl("GET", "/api/ca/v1/cas/\(fixture.caID)/certificates?filter=status%5Beq%5DEXPIRED", token: fixture.admin).json()
        #expect((filtered["list"] as? [[String: Any]])?.compactMap { $0["serial_number"] as? String } == [certificate.serial])
        let stats = try server.curl("GET", "/api/ca/v1/stats?filter=issuer_ca_id%5Beq%5D\(fixture.caID)", token: fixture.admin).json()
        #expect((stats["by_status"] as? [String: Int])?["EXPIRED"] == 1)
        // An expired certificate can still be revoked (a compromise found later).
        #expect(try fixture.setStatus(certificate.serial, ["status": "REVOKED", "revocation_reason": "KeyCompromise"]).status == 200)
        #expect(try server.curl("GET", "/api/ca/v1/certificates/\(certificate.serial)", token: fixture.admin).json()["status"] as? String == "REVOKED")
    }

    /// A full CRL on schedule (with a fresh delta), a delta before the last one expires,
    /// nothing when nothing is due. The clock is the test's, days ahead of the server's,
    /// so the shared server's publisher never finds this CA due meanwhile.
    @Test func crlsArePublishedWhenDueAndOnlyThen() async throws {
        let fixture = try await RevocationFixture.make("crl-schedule")
        let environment = try await TestEnvironment.get()
        let clock = TestClock(Date().addingTimeInterval(10 * 86_400))
        var settings = RevocationSettings()
        settings.fullCRLInterval = 3600
        settings.deltaCRLValidity = 1800
        let core = SigningCore(token: environment.token, stores: environment.stores, publicBaseURL: "https://signet.test", revocationSettings: settings, clock: { clock.now })

        let first = try await core.publishCRLs(caID: fixture.caID)
        #expect(first.map(\.kind) == [.full, .delta])
        #expect(try await core.publishCRLs(caID: fixture.caID).isEmpty)
        clock.advance(by: 16 * 60)
        let delta = try await core.publishCRLs(caID: fixture.caID)
        #expect(delta.map(\.kind) == [.delta])
        #expect(delta.first?.baseNumber == first.first?.number)
        clock.advance(by: 45 * 60)
        let full = try await core.publishCRLs(caID: fixture.caID)
        #expect(full.map(\.kind) == [.full, .delta])
        let numbers = (first + delta + full).map(\.number)
        #expect(numbers == numbers.sorted() && Set(numbers).count == numbers.count)
        #expect(full.first.map { $0.nextUpdate.timeIntervalSince($0.thisUpdate) } == settings.crlValidity)
        // A revocation makes a delta due at once.
        _ = try fixture.setStatus(try fixture.issue().serial, ["status": "REVOKED"])
        #expect(try await core.publishCRLs(caID: fixture.caID).map(\.kind) == [.delta])
    }

    @Test func caCertificatesAreServedAtTheirCAIssuersURL() async throws {
        let fixture = try await RevocationFixture.make("ca-der")
        let server = fixture.server
        let leaf = try fixture.issue()
        let text = try Tool.run("openssl", ["x509", "-in", leaf.file, "-noout", "-ext", "authorityInfoAccess,crlDistributionPoints"]).output
        #expect(text.contains("OCSP - URI:https://signet.test/ocsp"))
        #expect(text.contains("CA Issuers - URI:https://signet.test/ca/\(fixture.caID).der"))
        #expect(text.contains("URI:https://signet.test/crl/\(fixture.caID)"))
        let fetched = try server.curl("GET", "/ca/\(fixture.caID).der")
        #expect(fetched.status == 200 && fetched.header("Content-Type") == "application/pkix-cert")
        let ca = try Certificate(derEncoded: fetched.body)
        let pem = try String(contentsOfFile: fixture.caFile, encoding: .utf8)
        #expect(ca == (try Certificate(pemEncoded: pem)))
        #expect(try server.curl("GET", "/ca/\(fixture.caID).pem").status == 404)
        #expect(try server.curl("GET", "/ca/nobody.der").status == 404)
    }
}

/// A clock the test moves by hand (time is outside our control).
final class TestClock: @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date
    init(_ start: Date) { current = start }
    var now: Date { lock.withLock { current } }
    func advance(by seconds: TimeInterval) { lock.withLock { current = current.addingTimeInterval(seconds) } }
}
