import Foundation
import Logging
import PostgresNIO
import SignetCore
import SignetStore
import SwiftASN1
import Testing
import X509

/// Signed checkpoints anchor the audit chain: `signet audit verify` with only the audit
/// certificate finds a cut tail, a deleted, altered, inserted, reordered or forged record and
/// a forged checkpoint; the database refuses changes to the trail; a stuck sealer shows.
@Suite(.serialized) struct AuditCheckpointTests {
    /// `signet audit verify` without the audit MAC key: only public keys.
    static func verify(_ url: String, _ arguments: [String]) throws -> Tool.Result {
        try Tool.run(try CLITests.binary, ["audit", "verify"] + arguments, environment: ["SIGNET_DATABASE_URL": url, "SIGNET_AUDIT_KEY_FILE": ""])
    }

    /// An audit key in the test token with its certificate from the fixture's root.
    static func signer() async throws -> (AuditSignerRecord, Certificate) {
        let gate = try await GateFixture.get()
        let signer = try await gate.environment.core.createAuditSigner(caID: gate.rootID, profileID: "audit-signer", requester: .localAdministrator("audit-test"))
        return (signer, try Certificate(derEncoded: signer.certificateDER))
    }

    static func append(_ database: Database, _ count: Int, tag: String) async throws {
        for index in 0..<count {
            try await database.auditTrail.append(AuditRecord(
                category: .api, action: "POST /api/ca/v1/\(tag)/\(index)", actor: "jwt:tester", target: "/\(tag)/\(index)", outcome: "201", detail: #"{"status":201}"#
            ))
        }
    }

    static func id(_ database: Database, seq: Int) async throws -> UUID {
        var found: UUID?
        for try await id in try await database.client.fetch("SELECT id FROM audit_log WHERE chain_seq = \(seq)").decode(UUID.self) { found = id }
        return try #require(found)
    }

    @Test func verifyWithOnlyThePublicKeyFindsEveryTamperingUpToTheCheckpoint() async throws {
        let scratch = try await AuditScratchDatabase.make()
        let database = scratch.database, url = scratch.url
        let gate = try await GateFixture.get()
        let core = gate.environment.core
        let (signer, certificate) = try await Self.signer()
        try await database.auditCheckpoints.save(signer)
        let files = try Scratch()
        let certificateFile = try files.write("audit.pem", try gate.pem(certificate))
        let sinkFile = files.path("checkpoints.jsonl")
        let trusted = ["--certificate", certificateFile]

        try await Self.append(database, 30, tag: "a")
        while try await database.auditChain.sealPending(limit: 7) > 0 {}
        guard case .made(let checkpoint) = try await database.auditCheckpoints.checkpoint(core: core) else {
            Issue.record("no checkpoint was made")
            return
        }
        try AuditCheckpointSink(file: sinkFile, standardOutput: false).append(checkpoint)
        #expect(checkpoint.sequence == 30)
        guard case .unchanged = try await database.auditCheckpoints.checkpoint(core: core) else {
            Issue.record("a checkpoint of an unmoved head")
            return
        }
        try await Self.append(database, 5, tag: "b")
        _ = try await database.auditChain.sealPending()
        try await Self.append(database, 2, tag: "c")

        let intact = try Self.verify(url, trusted + ["--checkpoints", sinkFile])
        #expect(intact.status == 0, "\(intact.output)\(intact.error)")
        #expect(intact.output.contains("35 sealed records, 2 awaiting sealing; 30 covered by 1 checkpoints"), "\(intact.output)")
        #expect(intact.output.contains("7 not yet checkpointed; checked with the public key only"), "\(intact.output)")
        // The database's audit certificate is trusted once it chains to the root held there; this one's root is elsewhere.
        let unanchored = try Self.verify(url, [])
        #expect(unanchored.status == 1 && unanchored.output.contains("does not chain to a root CA this database holds"), "\(unanchored.output)")

        // openssl, independently, checks the checkpoint's signature over its statement.
        let statement = try files.write("statement.txt", checkpoint.statement)
        let signature = try files.write("signature.der", checkpoint.signature)
        let publicKey = try Tool.run("openssl", ["x509", "-in", certificateFile, "-pubkey", "-noout"])
        let keyFile = try files.write("audit-pub.pem", Array(publicKey.output.utf8))
        let checked = try Tool.run("openssl", ["dgst", "-sha256", "-verify", keyFile, "-signature", signature, statement])
        #expect(checked.output.contains("Verified OK"), "\(checked.output)\(checked.error)")

        func broken(_ expected: String, _ arguments: [String]? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws {
            let report = try Self.verify(url, arguments ?? trusted)
            #expect(report.status == 1, "\(report.output)", sourceLocation: sourceLocation)
            #expect(report.output.contains(expected), "\(report.output)", sourceLocation: sourceLocation)
        }
        func intactAgain(sourceLocation: SourceLocation = #_sourceLocation) throws {
            let report = try Self.verify(url, trusted + ["--checkpoints", sinkFile])
            #expect(report.status == 0, "\(report.output)", sourceLocation: sourceLocation)
        }

        // The tail is cut: the newest records, checkpointed ones among them, vanish.
        try await database.client.fetch("CREATE TABLE saved AS SELECT * FROM audit_log WHERE chain_seq > 25")
        try await AuditTamper.run(database.client, "DELETE FROM audit_log WHERE chain_seq > 25")
        try broken("the chain ends at chain_seq 25, but the checkpoint made \(RFC3339.string(checkpoint.time)) covers 30 records: the last 5 were deleted")
        // ... and the checkpoint with them: the sink file still has it.
        try await AuditTamper.run(database.client, "DELETE FROM audit_checkpoints")
        try broken("the checkpoint at sequence 30 (made \(RFC3339.string(checkpoint.time))) in \(sinkFile) is missing from the database", trusted + ["--checkpoints", sinkFile])
        try await AuditTamper.run(
            database.client, "INSERT INTO audit_log SELECT * FROM saved",
            "INSERT INTO audit_checkpoints VALUES (\(checkpoint.sequence), \(checkpoint.head), to_timestamp(\(Int64(checkpoint.time.timeIntervalSince1970))), \(checkpoint.signer), \(Data(checkpoint.signature)))"
        )
        try await database.client.fetch("DROP TABLE saved")
        try intactAgain()

        // Altered, with the public chain hashes recomputed after it: only the signature tells.
        let altered = try await Self.id(database, seq: 10)
        try await AuditTamper.run(database.client, "UPDATE audit_log SET actor = 'jwt:mallory' WHERE id = \(altered)")
        try broken("record \(altered.uuidString) at chain_seq 10 was altered, inserted or reordered")
        try await AuditTamper.run(database.client, "UPDATE audit_log SET chain_hash = NULL WHERE chain_seq >= 10")
        try broken("the checkpoint at sequence 30 (made \(RFC3339.string(checkpoint.time))) does not match the records: a record from chain_seq 1 to 30")
        try await AuditTamper.run(database.client, "UPDATE audit_log SET actor = 'jwt:tester' WHERE id = \(altered)")
        _ = try await database.auditChain.sealPending()  // the sealer fills in missing chain hashes
        var missing = -1
        for try await n in try await database.client.fetch("SELECT count(*) FROM audit_log WHERE chain_hash IS NULL AND chain_seq IS NOT NULL").decode(Int.self) { missing = n }
        #expect(missing == 0)
        try intactAgain()

        // Reordered: two records swap places.
        let third = try await Self.id(database, seq: 3), fourth = try await Self.id(database, seq: 4)
        func swap() async throws {
            try await AuditTamper.run(
                database.client, "UPDATE audit_log SET chain_seq = -3 WHERE id = \(third)", "UPDATE audit_log SET chain_seq = 3 WHERE id = \(fourth)",
                "UPDATE audit_log SET chain_seq = 4 WHERE id = \(third)"
            )
        }
        try await swap()
        try broken("record \(fourth.uuidString) at chain_seq 3 was altered, inserted or reordered")
        try await AuditTamper.run(
            database.client, "UPDATE audit_log SET chain_seq = -3 WHERE id = \(third)", "UPDATE audit_log SET chain_seq = 4 WHERE id = \(fourth)",
            "UPDATE audit_log SET chain_seq = 3 WHERE id = \(third)"
        )
        try intactAgain()

        // Inserted: a forged record slipped in at chain_seq 20, the rest moved up, its hash link recomputed.
        let forged = UUID()
        let twentieth = try await Self.id(database, seq: 20)
        try await AuditTamper.run(
            database.client, "UPDATE audit_log SET chain_seq = -(chain_seq + 1) WHERE chain_seq >= 20", "UPDATE audit_log SET chain_seq = -chain_seq WHERE chain_seq < 0",
            """
            INSERT INTO audit_log (id, recorded_at, category, action, actor, target, outcome, detail, record_mac, chain_seq, chain_mac)
            VALUES (\(forged), now(), 'API', 'DELETE /api/ca/v1/cas/x', 'jwt:admin', '/x', '204', '{}', 'forged', 20, 'forged')
            """
        )
        try broken("record \(twentieth.uuidString) at chain_seq 21 was altered, inserted or reordered")
        try await AuditTamper.run(
            database.client, "DELETE FROM audit_log WHERE id = \(forged)", "UPDATE audit_log SET chain_seq = -(chain_seq - 1) WHERE chain_seq > 20",
            "UPDATE audit_log SET chain_seq = -chain_seq WHERE chain_seq < 0"
        )
        try intactAgain()

        // A forged record numbered outside the walk.
        for sequence in [0, -5] {
            try await AuditTamper.run(database.client, """
                INSERT INTO audit_log (id, recorded_at, category, action, actor, target, outcome, detail, record_mac, chain_seq, chain_mac)
                VALUES (\(forged), now(), 'API', 'DELETE /api/ca/v1/cas/x', 'jwt:admin', '/x', '204', '{}', 'forged', \(sequence), 'forged')
                """)
            try broken("record \(forged.uuidString) has chain_seq \(sequence), which the sealer never assigns")
            try await AuditTamper.run(database.client, "DELETE FROM audit_log WHERE id = \(forged)")
        }
        try intactAgain()

        // A forged checkpoint: right signer, wrong signature.
        var bad = checkpoint.signature
        bad[bad.count - 1] ^= 0x01
        try await AuditTamper.run(database.client, "UPDATE audit_checkpoints SET signature = \(Data(bad)) WHERE sequence = 30")
        try broken("the checkpoint at sequence 30 (made \(RFC3339.string(checkpoint.time))) has a signature that does not verify with audit certificate \(signer.fingerprint)")
        try broken("differs from the database's", trusted + ["--checkpoints", sinkFile])
        try await AuditTamper.run(database.client, "UPDATE audit_checkpoints SET signature = \(Data(checkpoint.signature)) WHERE sequence = 30")
        try intactAgain()

        scratch.close()
    }

    @Test func aDeletedUnsealedDecisionIsMissedByItsCertificate() async throws {
        let scratch = try await AuditScratchDatabase.make()
        let gate = try await GateFixture.get()
        let environment = gate.environment
        let csr = try OpenSSLCSR.make(subject: "/CN=audited-device", in: try Scratch())
        let issued = try await environment.core.issue(csr: csr, caID: gate.subID, requester: Requester("audit-test"))
        // The same certificate and its decision, in a database nobody seals.
        for id in [gate.rootID, gate.subID] {
            try await scratch.database.stores.cas.insert(try #require(try await environment.stores.cas.ca(id: id)), certificate: nil)
        }
        try await scratch.database.stores.certificates.insert(issued.record)
        try await scratch.database.auditTrail.append(AuditRecord(
            id: issued.decisionID, category: .decision, action: "ISSUE", actor: "audit-test", target: gate.subID, outcome: "APPROVED", serialNumber: issued.record.serialNumber
        ))
        let intact = try Self.verify(scratch.url, [])
        #expect(intact.status == 0, "\(intact.output)")
        #expect(intact.output.contains("0 sealed records, 1 awaiting sealing; no checkpoint yet, 1 not yet checkpointed"), "\(intact.output)")

        try await AuditTamper.run(scratch.database.client, "DELETE FROM audit_log WHERE id = \(issued.decisionID)")
        let report = try Self.verify(scratch.url, [])
        #expect(report.status == 1)
        #expect(report.output.contains("certificate \(issued.record.serialNumber) was approved by decision \(issued.decisionID), which is not in the audit trail"), "\(report.output)")
        scratch.close()
    }

    @Test func theDatabaseRefusesChangesToTheTrail() async throws {
        let scratch = try await AuditScratchDatabase.make()
        let database = scratch.database
        try await Self.append(database, 3, tag: "g")
        _ = try await database.auditChain.sealPending()
        let sealed = try await Self.id(database, seq: 1)
        let attempts: [PostgresQuery] = [
            "DELETE FROM audit_log WHERE id = \(sealed)",
            "UPDATE audit_log SET actor = 'jwt:mallory' WHERE id = \(sealed)",
            "UPDATE audit_log SET chain_seq = 99 WHERE id = \(sealed)",
            "UPDATE audit_log SET chain_hash = 'x' WHERE id = \(sealed)",
            "TRUNCATE audit_log",
            """
            INSERT INTO audit_log (id, recorded_at, category, action, actor, target, outcome, detail, record_mac, chain_seq)
            VALUES (\(UUID()), now(), 'API', 'x', 'x', 'x', '204', '{}', 'x', 4)
            """,
        ]
        for attempt in attempts {
            await #expect(throws: PSQLError.self, "\(attempt.sql)") { try await database.client.fetch(attempt) }
        }
        var count = 0
        for try await n in try await database.client.fetch("SELECT count(*) FROM audit_log WHERE actor = 'jwt:tester' AND chain_seq IS NOT NULL").decode(Int.self) { count = n }
        #expect(count == 3)
        // What the sealer does stays allowed: sealing an unsealed row once.
        try await Self.append(database, 1, tag: "h")
        #expect(try await database.auditChain.sealPending() == 1)
        // An insert is allowed, but the sealer links no row without Signet's MAC: it stays unsealed, in view.
        let forged = UUID()
        try await database.client.fetch("""
            INSERT INTO audit_log (id, recorded_at, category, action, actor, target, outcome, detail, record_mac)
            VALUES (\(forged), now(), 'API', 'x', 'jwt:mallory', 'x', '204', '{}', 'forged')
            """)
        try await Self.append(database, 1, tag: "i")
        #expect(try await database.auditChain.seal() == .sealed(count: 1, refused: [forged]))
        let status = try await database.auditCheckpoints.status()
        #expect(status.unsealed == 1 && status.sealed == 5 && status.oldestUnsealedAgeSeconds != nil)
        for table in ["audit_checkpoints", "audit_signers"] {
            await #expect(throws: PSQLError.self, "\(table)") { try await database.client.fetch(PostgresQuery(unsafeSQL: "TRUNCATE \(table) CASCADE")) }
        }
        scratch.close()
    }
}
