import Foundation
import PostgresNIO
import SignetCore
import Testing

/// Relying parties that read only the full CRL (OpenSSL-based TLS stacks, nginx `ssl_crl`)
/// see a revocation change within 10 seconds (the default `crl_full_max_delay`), not at the
/// next hourly full CRL; a burst of changes shares few publications. Checked as they would
/// check it: `/crl/{ca}` over HTTPS, read by openssl.
@Suite struct FullCRLFreshnessTests {
    static let bound: TimeInterval = 10

    @Test func aRevocationIsInTheFullCRLWithinTheBound() async throws {
        let fixture = try await RevocationFixture.make("crl-prompt")
        let certificate = try fixture.issue()
        #expect(try await RevocationFixture.eventually { try fixture.server.curl("GET", "/crl/\(fixture.caID)").status == 200 })
        #expect(!(try fixture.crl().text.contains(certificate.serial.opensslSerial)))

        #expect(try fixture.setStatus(certificate.serial, ["status": "REVOKED", "revocation_reason": "KeyCompromise"]).status == 200)
        var text = ""
        let elapsed = try await Self.secondsUntil(Self.bound) {
            text = try fixture.crl().text
            return text.contains(certificate.serial.opensslSerial)
        }
        #expect(elapsed != nil, "the full CRL still lacks \(certificate.serial) after \(Self.bound) s: \(text)")
        print("full CRL lists a revocation after \(Self.format(elapsed)) s")
    }

    @Test func aHeldCertificateEntersAndLeavesTheFullCRLWithinTheBound() async throws {
        let fixture = try await RevocationFixture.make("crl-prompt-hold")
        let held = try fixture.issue()
        #expect(try await RevocationFixture.eventually { try fixture.server.curl("GET", "/crl/\(fixture.caID)").status == 200 })

        #expect(try fixture.setStatus(held.serial, ["status": "REVOKED", "revocation_reason": "CertificateHold"]).status == 200)
        var text = ""
        let listed = try await Self.secondsUntil(Self.bound) {
            text = try fixture.crl().text
            return text.contains(held.serial.opensslSerial)
        }
        #expect(listed != nil, "the full CRL lacks the held \(held.serial) after \(Self.bound) s: \(text)")
        #expect(text.contains("Certificate Hold"))

        #expect(try fixture.setStatus(held.serial, ["status": "ACTIVE"]).status == 200)
        let released = try await Self.secondsUntil(Self.bound) {
            text = try fixture.crl().text
            return !text.contains(held.serial.opensslSerial)
        }
        #expect(released != nil, "the full CRL still lists the released \(held.serial) after \(Self.bound) s: \(text)")
        print("full CRL lists a hold after \(Self.format(listed)) s, drops it after \(Self.format(released)) s")
    }

    /// 1,000 revocations through the revocation store (the path every revocation takes),
    /// eight at a time, while two servers publish from the same database: few full CRLs,
    /// no CRL number twice, and the last full CRL lists all 1,000 within the bound.
    @Test func aBurstOfRevocationsSharesFewFullCRLs() async throws {
        let environment = try await TestEnvironment.get()
        let second = try await ServerFixture.start(extraEnvironment: ServerFixture.sharedEnvironment)
        let fixture = try await RevocationFixture.make("crl-burst")
        #expect(try await RevocationFixture.eventually { try fixture.server.curl("GET", "/crl/\(fixture.caID)").status == 200 })
        let serials = try await Self.certificateRows(1000, caID: fixture.caID, environment)
        let fullsBefore = try await Self.fullCRLs(fixture.caID, environment)

        let started = Date()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<8 {
                let mine = serials.enumerated().filter { $0.offset % 8 == worker }.map(\.element)
                group.addTask {
                    for serial in mine { try await Self.revoke(serial, environment) }
                }
            }
            try await group.waitForAll()
        }
        let burst = Date().timeIntervalSince(started)

        let expected = Set(serials.map(\.opensslSerial))
        var listed = Set<String>()
        let elapsed = try await Self.secondsUntil(Self.bound) {
            listed = try Self.serials(in: fixture.crl().text)
            return expected.isSubset(of: listed)
        }
        let missing = expected.subtracting(listed).count
        #expect(elapsed != nil && missing == 0, "after \(Self.bound) s the full CRL lacks \(missing) of 1000")
        await second.stop()

        let fulls = try await Self.fullCRLs(fixture.caID, environment) - fullsBefore
        // One for each stretch of crl_full_max_delay − crl_full_debounce the burst lasted,
        // one when it settled, and one more for a pass that met the burst's last commits.
        let bound = Int(burst / ServerFixture.sharedRevocationSettings.fullCRLStartBy) + 2
        #expect(fulls >= 1 && fulls <= bound, "\(fulls) full CRLs for a burst of \(burst) s")
        let rows = try await environment.rows(
            "SELECT crl_number, revision FROM crls WHERE ca_id = \(fixture.caID) ORDER BY crl_number", as: (Int64, Int64).self
        )
        for (earlier, later) in zip(rows, rows.dropFirst()) {
            #expect(later.0 > earlier.0 && later.1 >= earlier.1, "CRL \(later.0) covers revision \(later.1), before \(earlier.0)'s \(earlier.1)")
        }
        print("1000 revocations in \(Self.format(burst)) s: \(fulls) full CRLs (bound \(bound)), \(rows.count) CRLs in all; all listed \(Self.format(elapsed)) s after the last")
    }

    /// Changes every few hundred milliseconds never settle; the full CRL comes anyway once
    /// the oldest has waited `crl_full_max_delay − crl_full_debounce`. Published here by a
    /// core with short periods (the shared server's own would wait longer than this test).
    @Test func changesThatNeverSettleReachTheFullCRLWithinTheMaxDelay() async throws {
        let environment = try await TestEnvironment.get()
        let fixture = try await RevocationFixture.make("crl-stream")
        var settings = RevocationSettings()
        settings.fullCRLDebounce = 1
        settings.fullCRLMaxDelay = 3
        let core = SigningCore(token: environment.token, stores: environment.stores, publicBaseURL: "https://signet.test", revocationSettings: settings)
        _ = try await core.publishCRLs(caID: fixture.caID, forceFull: true)
        let serials = try await Self.certificateRows(40, caID: fixture.caID, environment)

        let started = Date()
        var full: (after: TimeInterval, revoked: Int)?
        for (index, serial) in serials.enumerated() {
            try await Self.revoke(serial, environment)
            if try await core.publishCRLs(caID: fixture.caID).contains(where: { $0.kind == .full }) {
                full = (Date().timeIntervalSince(started), index + 1)
                break
            }
            try await Task.sleep(for: .milliseconds(250))
        }
        let published = try #require(full, "no full CRL while \(serials.count) revocations came \(Self.format(Date().timeIntervalSince(started))) s long")
        #expect(published.after <= settings.fullCRLMaxDelay && published.revoked > 1, "\(published)")
        let listed = try Self.serials(in: fixture.crl().text)
        #expect(serials.prefix(published.revoked).allSatisfy { listed.contains($0.opensslSerial) })
        print("unsettled changes: full CRL \(Self.format(published.after)) s after the first, with \(published.revoked) revoked")
    }

    /// Certificate rows without signatures (the CRL needs only their serials and state), whose
    /// serials start 7e: positive and without a leading zero, as openssl prints them.
    static func certificateRows(_ count: Int, caID: String, _ environment: TestEnvironment) async throws -> [String] {
        let serials = try await environment.rows(
            """
            INSERT INTO certificates (serial_number, issuer_ca_id, subject, key_type, key_size, not_before, not_after,
                                      profile_id, profile_version, requester, decision_id, der, issued_at)
            SELECT '7e' || substr(md5(random()::text || g::text), 1, 30), \(caID), 'CN=burst', 'ECDSA', 256, now(), now() + interval '30 days',
                   'iot-device', 'test', 'test', gen_random_uuid(), '\\x00'::bytea, now() - interval '1 day'
            FROM generate_series(1, \(count)) g
            RETURNING serial_number
            """,
            as: String.self
        )
        guard serials.count == count else { throw TestSetupError("inserted \(serials.count) of \(count) certificate rows") }
        return serials
    }

    /// A revocation through the store, in its own transaction, as the API's would be.
    static func revoke(_ serial: String, _ environment: TestEnvironment) async throws {
        let changed = try await environment.stores.revocations.changeRevocation(serialNumber: serial) { state in
            var next = state
            next.isRevoked = true
            next.reason = .superseded
            next.revokedAt = Date()
            return next
        }
        guard changed?.isRevoked == true else { throw TestSetupError("\(serial) was not revoked") }
    }

    /// Seconds until `condition` first holds, polling; nil if it does not within `limit`.
    static func secondsUntil(_ limit: TimeInterval, _ condition: () throws -> Bool) async throws -> TimeInterval? {
        let start = Date()
        while Date().timeIntervalSince(start) < limit {
            if (try? condition()) == true { return Date().timeIntervalSince(start) }
            try await Task.sleep(for: .milliseconds(200))
        }
        return nil
    }

    static func fullCRLs(_ caID: String, _ environment: TestEnvironment) async throws -> Int {
        try await environment.rows("SELECT count(*)::int8 FROM crls WHERE ca_id = \(caID) AND kind = 'FULL'", as: Int.self).first ?? 0
    }

    /// The serials `openssl crl -text` lists ("Serial Number: 7E…").
    static func serials(in text: String) -> Set<String> {
        Set(text.split(separator: "\n").compactMap { line in
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            return trimmed.hasPrefix("Serial Number: ") ? String(trimmed.dropFirst("Serial Number: ".count)) : nil
        })
    }

    static func format(_ seconds: TimeInterval?) -> String { seconds.map { String(format: "%.1f", $0) } ?? "never" }
}
