import Foundation
import Logging
import PostgresNIO
import SignetCore
import SignetStore
import Testing

/// `signet audit verify` finds a record changed, inserted or deleted directly in SQL.
/// Runs on a database of its own so that no server seals into it while it is tampered with.
@Suite(.serialized) struct AuditChainTests {
    static func verify(_ url: String) throws -> Tool.Result {
        try Tool.run(try CLITests.binary, ["audit", "verify"], environment: ["SIGNET_DATABASE_URL": url])
    }

    @Test func verifyPinpointsAlteredInsertedAndDeletedRecords() async throws {
        let url = try TestEnvironment.variable("SIGNET_TEST_AUDIT_DATABASE_URL")
        let key = try AuditKey(file: try TestEnvironment.variable("SIGNET_AUDIT_KEY_FILE"))
        let database = try Database(url: url, auditKey: key, maximumConnections: 4, logger: Logger(label: "audit-test"))
        let runner = Task { await database.run() }
        defer { runner.cancel() }
        try await database.migrate()
        try await AuditScratchDatabase.reset(database.client)
        for index in 0..<20 {
            try await database.auditTrail.append(AuditRecord(
                category: .api, action: "POST /api/ca/v1/test/\(index)", actor: "jwt:tester", target: "/t/\(index)", outcome: "201", detail: #"{"status":201}"#
            ))
        }
        while try await database.auditChain.sealPending(limit: 7) > 0 {}
        let intact = try Self.verify(url)
        #expect(intact.status == 0, "\(intact.output)\(intact.error)")
        #expect(intact.output.contains("intact: 20 sealed records"))

        func row(_ seq: Int) async throws -> UUID {
            var found: UUID?
            for try await id in try await database.client.fetch("SELECT id FROM audit_log WHERE chain_seq = \(seq)").decode(UUID.self) { found = id }
            return try #require(found)
        }

        // Altered: one field of one sealed record.
        let altered = try await row(5)
        try await AuditTamper.run(database.client, "UPDATE audit_log SET actor = 'jwt:mallory' WHERE id = \(altered)")
        let alteredReport = try Self.verify(url)
        #expect(alteredReport.status == 1)
        #expect(alteredReport.output.contains("record \(altered.uuidString) at chain_seq 5 was altered"), "\(alteredReport.output)")
        try await AuditTamper.run(database.client, "UPDATE audit_log SET actor = 'jwt:tester' WHERE id = \(altered)")
        #expect(try Self.verify(url).status == 0)

        // Deleted: a sealed record vanishes.
        try await database.client.fetch("CREATE TABLE saved AS SELECT * FROM audit_log WHERE chain_seq = 9")
        try await AuditTamper.run(database.client, "DELETE FROM audit_log WHERE chain_seq = 9")
        let deletedReport = try Self.verify(url)
        #expect(deletedReport.status == 1)
        #expect(deletedReport.output.contains("chain_seq 9 is missing"), "\(deletedReport.output)")
        try await AuditTamper.run(database.client, "INSERT INTO audit_log SELECT * FROM saved")
        try await database.client.fetch("DROP TABLE saved")
        #expect(try Self.verify(url).status == 0)

        // Inserted: a forged row, sealed-looking or not, was not written by Signet.
        let forged = UUID()
        try await database.client.fetch("""
            INSERT INTO audit_log (id, recorded_at, category, action, actor, target, outcome, detail, record_mac)
            VALUES (\(forged), now(), 'API', 'DELETE /api/ca/v1/cas/x', 'jwt:admin', '/x', '204', '{}', 'forged')
            """)
        let insertedReport = try Self.verify(url)
        #expect(insertedReport.status == 1)
        #expect(insertedReport.output.contains("\(forged.uuidString) was not written by Signet"), "\(insertedReport.output)")
        try await database.client.fetch("UPDATE audit_log SET chain_seq = 21, chain_mac = 'forged' WHERE id = \(forged)")
        let sealedForgery = try Self.verify(url)
        #expect(sealedForgery.status == 1)
        #expect(sealedForgery.output.contains("record \(forged.uuidString) at chain_seq 21 was altered"), "\(sealedForgery.output)")
        try await AuditTamper.run(database.client, "DELETE FROM audit_log WHERE id = \(forged)")
        #expect(try Self.verify(url).status == 0)
    }

    @Test func stateChangingCallsAndDecisionsAreAudited() async throws {
        let server = try await ServerFixture.get()
        let subject = unique("audited")
        let token = server.token(["operator"], subject: subject)
        let csr = String(decoding: try OpenSSLCSR.make(subject: "/CN=audited", in: server.scratch), as: UTF8.self)
        let signed = try server.curl("POST", "/api/ca/v1/cas/\(server.gate.subID)/sign", token: token, body: try server.json(["csr": csr]))
        #expect(signed.status == 201)
        let serial = try #require(try signed.json()["serial_number"] as? String)
        let decision = try #require(signed.header("Signet-Decision"))
        _ = try server.curl("POST", "/api/ca/v1/profiles", token: token, body: try server.json(["id": "x", "validity": ["type": "Duration", "duration": "1h"]]))

        let auditor = server.token(["auditor"])
        let calls = try server.curl("GET", "/api/ca/v1/audit?filter=actor%5Beq%5Djwt:\(subject)&sort_by=recorded_at", token: auditor)
        let entries = try #require(try calls.json()["list"] as? [[String: Any]])
        let summary = entries.map { "\($0["category"] as? String ?? "") \($0["action"] as? String ?? "") \($0["outcome"] as? String ?? "")" }
        #expect(summary.contains("DECISION ISSUE APPROVED"), "\(summary)")
        #expect(summary.contains("API POST /api/ca/v1/profiles 403"), "\(summary)")
        // The sign call is audited once, by the gate's decision, which the response names.
        let issuance = try #require(entries.first { $0["category"] as? String == "DECISION" })
        #expect(issuance["id"] as? String == decision && issuance["serial_number"] as? String == serial)
        #expect(issuance["target"] as? String == server.gate.subID)
        #expect(!summary.contains { $0.hasPrefix("API POST /api/ca/v1/cas/") })
    }
}
