import Foundation
import Logging
import PostgresNIO
import SignetCore
import SignetStore
import Testing

/// The issuance write path (approvals and certificates group-committed together, the chain
/// linked by the sealer) keeps DESIGN.md's invariants: no certificate leaves the server
/// before it is committed, no certificate without its recorded approval, and an audit chain
/// that still verifies after a heavy concurrent run.
@Suite(.serialized) struct IssuanceWritePathTests {
    /// A server killed (SIGKILL, no shutdown) while 16 clients sign: every certificate a
    /// client received is in the store, and every stored certificate has its approval.
    @Test func aServerKilledUnderLoadAnsweredNoCertificateTheStoreLacks() async throws {
        let server = try await ServerFixture.start()
        let subject = unique("killed-mid-load")
        let process = try #require(ServerProcesses.shared.process(port: server.port))
        let body = try server.scratch.write("sign.json", try server.json([
            "csr": String(decoding: try OpenSSLCSR.make(subject: "/CN=\(subject)", in: server.scratch), as: UTF8.self),
        ]))
        // One curl, 16 transfers at a time, each to its own file (a config file of 400 groups).
        let requests = 400
        let token = server.token(["operator"])
        var config = ""
        for index in 0..<requests {
            config += """
                url = "\(server.base)/api/ca/v1/cas/\(server.gate.subID)/sign"
                output = "\(server.scratch.path("answer-\(index)"))"
                cacert = "\(server.rootFile)"
                header = "Authorization: Bearer \(token)"
                header = "Content-Type: application/json"
                data-binary = "@\(body)"
                max-time = 20
                silent
                \(index + 1 < requests ? "next\n" : "")
                """
        }
        let load = Process()
        load.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        load.arguments = ["curl", "--parallel", "--parallel-max", "16", "--config", try server.scratch.write("load.curlrc", Array(config.utf8))]
        load.standardOutput = FileHandle.nullDevice
        load.standardError = FileHandle.nullDevice
        try load.run()
        func answered() -> [[String: Any]] {
            (0..<requests).compactMap { index in
                guard let bytes = try? server.scratch.read("answer-\(index)"), !bytes.isEmpty else { return nil }
                return (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any]
            }
        }
        // Kill once some answers are out and most requests are still to come.
        let deadline = Date().addingTimeInterval(60)
        while answered().count < 40, Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        load.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal)

        let certificates = answered().compactMap { $0["serial_number"] as? String }
        #expect(certificates.count >= 40)
        #expect(certificates.count < requests, "the kill came after every request was answered")
        let stores = server.gate.environment.stores
        for serial in certificates {
            let stored = try await stores.certificates.certificate(serialNumber: serial)
            #expect(stored != nil, "certificate \(serial) was answered but is not in the store")
        }
        // Every certificate the run committed, answered or not, has its approval.
        let unapproved = try await server.gate.environment.rows("""
            SELECT count(*) FROM certificates c WHERE c.subject = \("CN=" + subject)
              AND NOT EXISTS (SELECT 1 FROM decisions d WHERE d.id = c.decision_id AND d.outcome = 'APPROVED' AND d.serial_number = c.serial_number)
            """, as: Int.self)
        #expect(unapproved == [0])
    }

    /// A certificate whose commit fails after PostgreSQL already flushed the insert's
    /// CommandComplete (a warning raised at commit does what a crashing backend's farewell
    /// does while its commit waits for the WAL or a synchronous standby) is not handed out.
    /// Before the write path committed explicitly, this sign answered 201 with a certificate
    /// the database never had.
    @Test func aCertificateWhoseCommitFailsIsNotHandedOut() async throws {
        let server = try await ServerFixture.start()
        let environment = server.gate.environment
        let subject = unique("commit-refused")
        let trigger = "refuse_" + subject.replacingOccurrences(of: "-", with: "_")
        for statement in [
            "CREATE OR REPLACE FUNCTION \(trigger)() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE WARNING 'flushing before the commit ends'; RAISE EXCEPTION 'the commit fails'; END $$",
            "CREATE CONSTRAINT TRIGGER \(trigger) AFTER INSERT ON certificates DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.common_name = '\(subject)') EXECUTE FUNCTION \(trigger)()",
        ] { _ = try await environment.rows(PostgresQuery(unsafeSQL: statement), as: Int.self) }
        let body = try server.json(["csr": String(decoding: try OpenSSLCSR.make(subject: "/CN=\(subject)", in: server.scratch), as: UTF8.self)])
        let answer = try server.curl("POST", "/api/ca/v1/cas/\(server.gate.subID)/sign", token: server.token(["operator"]), body: body)
        for statement in ["DROP TRIGGER \(trigger) ON certificates", "DROP FUNCTION \(trigger)()"] {
            _ = try await environment.rows(PostgresQuery(unsafeSQL: statement), as: Int.self)
        }
        #expect(answer.status >= 500, "a certificate whose commit failed was answered \(answer.status): \(answer.text)")
        #expect(!answer.text.contains("BEGIN CERTIFICATE") && !answer.text.contains("serial_number"))
        let stored = try await environment.rows("SELECT count(*) FROM certificates WHERE common_name = \(subject)", as: Int.self)
        #expect(stored == [0])
    }

    /// 10,000 issuances, 16 at a time, then the chain sealed: `signet audit verify` finds it
    /// intact, and each certificate's approval is a sealed record of it. On a database of its
    /// own (`deploy/test` keeps one), so that the chain verified holds only this run.
    @Test func theChainVerifiesAfterTenThousandConcurrentIssuances() async throws {
        let environment = try await TestEnvironment.get()
        let url = try TestEnvironment.variable("SIGNET_TEST_LOAD_DATABASE_URL")
        var logger = Logger(label: "load-test")
        logger.logLevel = .error
        let database = try Database(url: url, auditKey: try AuditKey(file: try TestEnvironment.variable("SIGNET_AUDIT_KEY_FILE")), maximumConnections: 10, logger: logger)
        let runner = Task { await database.run() }
        defer { runner.cancel() }
        try await database.migrate()
        let stores = database.stores
        let core = SigningCore(token: environment.token, stores: stores, publicBaseURL: "https://signet.test", logger: logger)
        for profile in try GateFixture.policies() { _ = try await stores.profiles.save(StoredProfile(profile)) }
        let rootID = unique("load-root"), subID = unique("load-issuing")
        var root = CACreationRequest(
            id: rootID, subject: try SubjectText.parse("CN=Load Root \(rootID)"), keySpec: .ecP256,
            profileID: "root-ca", issuanceProfileID: "subordinate-ca", requester: .localAdministrator("test")
        )
        root.allowedProfiles = ["subordinate-ca"]
        _ = try await core.createCA(root)
        _ = try await core.createCA(CACreationRequest(
            id: subID, subject: try SubjectText.parse("CN=Load Issuing \(subID)"), keySpec: .ecP256,
            profileID: "subordinate-ca", issuanceProfileID: "iot-device", parentID: rootID, requester: .localAdministrator("test")
        ))

        let csr = try OpenSSLCSR.make(subject: "/CN=chain-under-load", in: try Scratch())
        let total = 10_000, concurrency = 16
        let issued = try await withThrowingTaskGroup(of: Int.self) { group in
            for worker in 0..<concurrency {
                group.addTask {
                    var count = 0
                    for _ in stride(from: worker, to: total, by: concurrency) {
                        _ = try await core.issue(csr: csr, caID: subID, requester: Requester("chain-load"))
                        count += 1
                    }
                    return count
                }
            }
            return try await group.reduce(0, +)
        }
        #expect(issued == total)
        while try await database.auditChain.sealPending() > 0 {}

        let report = try Tool.run(try CLITests.binary, ["audit", "verify"], environment: ["SIGNET_DATABASE_URL": url])
        #expect(report.status == 0, "\(report.output)\(report.error)")
        let sealed = report.output.firstMatch(of: /intact: (\d+) sealed records/).flatMap { Int($0.1) }
        #expect((sealed ?? 0) > total, "\(report.output)")

        var sealedApprovals = 0
        for try await count in try await database.client.fetch("""
            SELECT count(*) FROM certificates c JOIN audit_log a ON a.id = c.decision_id
            WHERE c.requester = 'chain-load' AND a.outcome = 'APPROVED' AND a.serial_number = c.serial_number AND a.chain_seq IS NOT NULL
            """).decode(Int.self) { sealedApprovals = count }
        #expect(sealedApprovals == total)
    }
}
