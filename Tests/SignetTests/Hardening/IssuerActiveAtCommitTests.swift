import Foundation
import Logging
import PostgresNIO
import SignetCore
import SignetStore
import Testing

/// The gate checks that a CA is active before it signs; the certificate is stored only if the
/// CA is still active when it commits. Otherwise it is discarded, the caller gets a refusal
/// naming `ca.can_sign`, and the refusal is recorded.
@Suite struct IssuerActiveAtCommitTests {
    /// A process whose CA cache outlives the revocation another process made (the cache's
    /// lifetime is one second in production; here long enough to be sure it is stale).
    static func staleProcess() async throws -> (SigningCore, Database) {
        let environment = try await TestEnvironment.get()
        var logger = Logger(label: "signet.test")
        logger.logLevel = .error
        let database = try Database(
            url: try TestEnvironment.variable("SIGNET_DATABASE_URL"),
            auditKey: try AuditKey(file: try TestEnvironment.variable("SIGNET_AUDIT_KEY_FILE")),
            maximumConnections: 4, cacheTTL: .seconds(600), logger: logger
        )
        Task.detached { await database.run() }
        return (SigningCore(token: environment.token, stores: database.stores, publicBaseURL: "https://signet.test", logger: logger), database)
    }

    static func csr(_ name: String) throws -> [UInt8] {
        try OpenSSLCSR.make(subject: "/CN=\(unique(name))", in: try Scratch())
    }

    static func expectDiscarded(_ outcome: Result<SigningCore.Issued, any Error>, caID: String) {
        guard case .failure(GateError.refused(let refusal)) = outcome else {
            Issue.record("expected a refusal, got \(outcome)")
            return
        }
        #expect(refusal.rule == "ca.can_sign" && refusal.kind == .conflict, "\(refusal)")
        #expect(refusal.detail.contains("CA '\(caID)' became REVOKED") && refusal.detail.contains("discarded"), "\(refusal.detail)")
    }

    @Test func aCertificateSignedAfterAnotherProcessRevokedTheCAIsNotStored() async throws {
        let fixture = try await RevocationFixture.make("commit-stale")
        let environment = try await TestEnvironment.get()
        let (core, _) = try await Self.staleProcess()
        let requester = Requester(unique("stale"))
        _ = try await core.issue(csr: try Self.csr("before"), caID: fixture.caID, profileID: "iot-device", requester: requester)

        // Another process (the test server) revokes the CA; this one's cache still has it active.
        let revoked = try fixture.server.curl("POST", "/api/ca/v1/cas/\(fixture.caID)/status", token: fixture.admin, body: try fixture.server.json(["status": "REVOKED", "revocation_reason": "KeyCompromise"]))
        #expect(revoked.status == 200, "\(revoked.text)")
        let outcome = await Self.outcome { try await core.issue(csr: try Self.csr("after"), caID: fixture.caID, profileID: "iot-device", requester: requester) }
        Self.expectDiscarded(outcome, caID: fixture.caID)

        let stored = try await environment.rows("SELECT status FROM certificates WHERE requester = \(requester.name)", as: String.self)
        #expect(stored == ["REVOKED"], "only the certificate issued before the revocation, revoked with its CA: \(stored)")
        let refusals = try await environment.rows(
            "SELECT failed_rule FROM decisions WHERE requester = \(requester.name) AND outcome = 'REFUSED'", as: String.self
        )
        #expect(refusals == ["ca.can_sign"], "\(refusals)")
    }

    @Test func aRevocationThatCommitsWhileTheCertificateIsCommittedWins() async throws {
        let fixture = try await RevocationFixture.make("commit-race")
        let environment = try await TestEnvironment.get()
        let (core, database) = try await Self.staleProcess()
        let requester = Requester(unique("race"))
        // A revocation in flight: the CA row is updated and not yet committed.
        let outcome: Result<SigningCore.Issued, any Error> = try await database.client.withConnection { connection in
            _ = try await connection.query("BEGIN", logger: Logger(label: "signet.test"))
            _ = try await connection.query("UPDATE certificate_authorities SET status = 'REVOKED' WHERE id = \(fixture.caID)", logger: Logger(label: "signet.test"))
            let issuance = Task { await Self.outcome { try await core.issue(csr: try Self.csr("race"), caID: fixture.caID, profileID: "iot-device", requester: requester) } }
            // The certificate's insert waits on the CA row (bounded: without the lock it would not).
            let waiting = try await RevocationFixture.eventuallyAsync(10) {
                try await environment.rows(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'WITH audit AS%'", as: Int.self
                ) != [0]
            }
            #expect(waiting, "the certificate insert never waited for the CA's row")
            _ = try await connection.query("COMMIT", logger: Logger(label: "signet.test"))
            return await issuance.value
        }
        Self.expectDiscarded(outcome, caID: fixture.caID)
        #expect(try await environment.rows("SELECT count(*) FROM certificates WHERE requester = \(requester.name)", as: Int.self) == [0])
    }

    static func outcome(_ body: () async throws -> SigningCore.Issued) async -> Result<SigningCore.Issued, any Error> {
        do { return .success(try await body()) } catch { return .failure(error) }
    }
}
