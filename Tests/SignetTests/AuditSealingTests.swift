import Foundation
import Logging
import PostgresNIO
import SignetCore
import SignetStore
import SwiftASN1
import Testing
import X509

/// A running server seals and checkpoints the audit chain, says so when it cannot, and every
/// change to profiles, DMSs and certificate status is a sealed record of the chain.
@Suite(.serialized) struct AuditSealingTests {
    static func status(_ server: ServerFixture) throws -> [String: Any] {
        let result = try server.curl("GET", "/api/ca/v1/audit/status", token: server.token(["auditor"]))
        guard result.status == 200 else { throw TestSetupError("audit status: \(result.status) \(result.text)") }
        return try result.json()
    }

    @Test func aSealingLockHeldElsewhereShowsInReadyAndTheLog() async throws {
        let server = try await ServerFixture.start(extraEnvironment: ["SIGNET_AUDIT_UNSEALED_BOUND": "2s", "SIGNET_AUDIT_CHECKPOINT_INTERVAL": "1s"])
        let environment = try await TestEnvironment.get()
        let holder = Task {
            try await environment.database.client.withConnection { connection in
                _ = try await connection.query("SELECT pg_advisory_lock(4242002)", logger: Logger(label: "lock-holder"))
                while !Task.isCancelled { try? await Task.sleep(for: .milliseconds(100)) }
                _ = try await connection.query("SELECT pg_advisory_unlock(4242002)", logger: Logger(label: "lock-holder"))
            }
        }
        #expect(try await RevocationFixture.eventuallyAsync {
            try await environment.rows("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = 4242002 AND granted", as: Int.self) == [1]
        })
        // An audited call (refused for its role) waits unsealed.
        let refused = try server.curl("POST", "/api/ca/v1/profiles", token: server.token(["auditor"]), body: try server.json(["id": unique("p")]))
        #expect(refused.status == 403)
        #expect(try await RevocationFixture.eventuallyAsync(20) {
            let ready = try server.curl("GET", "/ready")
            return ready.status == 503 && ready.text.contains("sealing is stuck")
        })
        let stuck = try Self.status(server)
        #expect(stuck["status"] as? String == "DEGRADED", "\(stuck)")
        #expect((stuck["oldest_unsealed_age_seconds"] as? Double ?? 0) > 2, "\(stuck)")
        #expect(try await RevocationFixture.eventuallyAsync(20) {
            String(decoding: try server.scratch.read("server.log"), as: UTF8.self).contains("audit sealing lock held elsewhere")
        })
        let log = String(decoding: try server.scratch.read("server.log"), as: UTF8.self)
        #expect(!log.contains("holder_pid=unknown"), "\(log)")

        holder.cancel()
        _ = try? await holder.value
        #expect(try await RevocationFixture.eventuallyAsync(20) { try server.curl("GET", "/ready").status == 200 })
        #expect(try Self.status(server)["status"] as? String == "OK")
        await server.stop()
    }

    @Test func theServerCheckpointsAndOnlyThePublicKeyVerifies() async throws {
        let environment = try await TestEnvironment.get()
        let (signer, certificate) = try await AuditCheckpointTests.signer()
        try await environment.database.auditCheckpoints.save(signer)
        let files = try Scratch()
        let sink = files.path("checkpoints.jsonl")
        let server = try await ServerFixture.start(extraEnvironment: ["SIGNET_AUDIT_CHECKPOINT_INTERVAL": "1s", "SIGNET_AUDIT_CHECKPOINT_FILE": sink])
        let subject = unique("cp")
        let created = try server.curl("POST", "/api/ca/v1/profiles", token: server.token(["admin"], subject: subject), body: try server.json([
            "id": unique("cp"), "validity": ["type": "Duration", "duration": "1h"], "key_usage": ["digital_signature": true],
        ]))
        #expect(created.status == 201, "\(created.text)")
        var sequence: Int64 = 0
        #expect(try await RevocationFixture.eventuallyAsync {
            sequence = try await environment.rows("SELECT chain_seq FROM audit_log WHERE actor = \("jwt:" + subject)", as: Int64?.self).first.flatMap { $0 } ?? 0
            return sequence > 0
        })
        // The suite's shared server holds the same audit key and may checkpoint this head
        // first (into the database, not this sink); moving the head again gives this server
        // its own turn.
        var covering: AuditCheckpoint?
        var polls = 0
        #expect(try await RevocationFixture.eventuallyAsync(30) {
            let lines = (try? AuditCheckpointSink.read(sink)) ?? []
            covering = lines.first { $0.sequence >= sequence }
            polls += 1
            if covering == nil, polls % 8 == 0 {
                _ = try server.curl("POST", "/api/ca/v1/profiles", token: server.token(["auditor"], subject: subject), body: try server.json(["id": unique("cp")]))
            }
            return covering != nil
        })
        let checkpoint = try #require(covering)
        #expect(checkpoint.isValid(signedBy: certificate))
        let status = try Self.status(server)
        #expect((status["audit_keys"] as? Int ?? 0) >= 1 && status["last_checkpoint"] is [String: Any], "\(status)")

        let url = try TestEnvironment.variable("SIGNET_DATABASE_URL")
        let certificateFile = try files.write("audit.pem", try environment.pemOf(certificate))
        for arguments in [["--checkpoints", sink], ["--certificate", certificateFile, "--checkpoints", sink]] {
            let report = try AuditCheckpointTests.verify(url, arguments)
            #expect(report.status == 0, "\(report.output)\(report.error)")
            #expect(report.output.contains("checked with the public key only"), "\(report.output)")
        }
        await server.stop()
        // Other tests' servers run on tokens without this key; leave the shared database unanchored again.
        try await AuditTamper.run(environment.database.client, "DELETE FROM audit_checkpoints", "DELETE FROM audit_signers")
    }

    @Test func profileDMSAndCertificateStatusChangesAreSealedRecords() async throws {
        let registry = try await RegistryFixture.make("audit-cover")
        let server = registry.server
        let subject = unique("changer")
        let admin = server.token(["admin"], subject: subject)
        let profileID = unique("audited")
        var profile: [String: Any] = ["id": profileID, "validity": ["type": "Duration", "duration": "1h"], "key_usage": ["digital_signature": true]]
        #expect(try server.curl("POST", "/api/ca/v1/profiles", token: admin, body: try server.json(profile)).status == 201)
        profile["validity"] = ["type": "Duration", "duration": "2h"]
        let replaced = try server.curl("PUT", "/api/ca/v1/profiles/\(profileID)", token: admin, body: try server.json(profile))
        #expect(replaced.status == 200)
        let version = try #require(try replaced.json()["version"] as? String)
        let dmsID = unique("audited-dms")
        let document = try registry.dmsDocument(id: dmsID)
        #expect(try registry.post("/api/dmsmanager/v1/dms", document, token: admin).status == 201)
        #expect(try server.curl("PUT", "/api/dmsmanager/v1/dms/\(dmsID)", token: admin, body: try server.json(document)).status == 200)
        let issued = try registry.ca.issue()
        #expect(try registry.ca.setStatus(issued.serial, ["status": "REVOKED", "revocation_reason": "CertificateHold"], token: admin).status == 200)
        #expect(try registry.ca.setStatus(issued.serial, ["status": "ACTIVE"], token: admin).status == 200)

        let environment = try await TestEnvironment.get()
        let actor = "jwt:" + subject
        let expected: Set<String> = [
            "API POST /api/ca/v1/profiles 201", "API PUT /api/ca/v1/profiles/\(profileID) 200",
            "API POST /api/dmsmanager/v1/dms 201", "API PUT /api/dmsmanager/v1/dms/\(dmsID) 200",
            "DECISION REVOKE APPROVED", "DECISION UNHOLD APPROVED",
        ]
        var rows: [(String, String, String, Int64?)] = []
        #expect(try await RevocationFixture.eventuallyAsync {
            rows = try await environment.rows(
                "SELECT category, action, outcome, chain_seq FROM audit_log WHERE actor = \(actor)", as: (String, String, String, Int64?).self
            )
            return rows.count >= expected.count && rows.allSatisfy { $0.3 != nil }
        }, "\(rows)")
        let actual = Set(rows.map { "\($0.0) \($0.1) \($0.2)" })
        #expect(expected.isSubset(of: actual), "\(actual)")
        // The profile change names the content that took effect.
        let named = try await environment.rows(
            "SELECT profile_id, profile_version FROM audit_log WHERE actor = \(actor) AND action = \("PUT /api/ca/v1/profiles/" + profileID)", as: (String?, String?).self
        )
        #expect(named.count == 1 && named.first?.0 == profileID && named.first?.1 == version, "\(named)")
        // Each one's content is in the public hash chain: its link recomputes from the one before.
        for (_, _, _, seq) in rows {
            let seq = try #require(seq)
            let previous = try await environment.rows("SELECT chain_hash FROM audit_log WHERE chain_seq = \(seq - 1)", as: String.self).first ?? AuditChainHash.start
            let record = try #require(try await AuditRowReader.record(environment, seq: seq))
            let stored = try await environment.rows("SELECT chain_hash FROM audit_log WHERE chain_seq = \(seq)", as: String.self)
            #expect(stored == [AuditChainHash.link(previous: previous, contentHash: AuditChainHash.contentHash(record), sequence: seq)])
        }
    }
}

/// Audit rows read back as records, the way a verifier outside Signet would.
enum AuditRowReader {
    static func record(_ environment: TestEnvironment, seq: Int64) async throws -> AuditRecord? {
        for try await row in try await environment.database.client.fetch("""
            SELECT id, (extract(epoch FROM recorded_at) * 1000000)::bigint, category, action, actor, target, outcome, profile_id, profile_version,
                   request_fingerprint, failed_rule, serial_number, detail FROM audit_log WHERE chain_seq = \(seq)
            """) {
            let c = try row.makeRandomAccess()
            return AuditRecord(
                id: try c[0].decode(UUID.self), microseconds: try c[1].decode(Int64.self),
                category: try #require(AuditRecord.Category(rawValue: try c[2].decode(String.self))),
                action: try c[3].decode(String.self), actor: try c[4].decode(String.self), target: try c[5].decode(String.self),
                outcome: try c[6].decode(String.self), profileID: try c[7].decode(String?.self), profileVersion: try c[8].decode(String?.self),
                requestFingerprint: try c[9].decode(String?.self), failedRule: try c[10].decode(String?.self),
                serialNumber: try c[11].decode(String?.self), detail: try c[12].decode(String.self)
            )
        }
        return nil
    }
}

extension TestEnvironment {
    func pemOf(_ certificate: Certificate) throws -> [UInt8] {
        Array(PEMDocument(type: "CERTIFICATE", derBytes: try certificate.der()).pemString.utf8) + [0x0A]
    }
}
