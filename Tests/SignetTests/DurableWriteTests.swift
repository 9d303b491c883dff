import Foundation
import Logging
import PostgresNIO
@testable import SignetStore
import Testing

/// A write returns only once it is committed: the issuance path signs under an approval it
/// has written, and hands out a certificate it has written, on exactly that promise. A
/// statement outside a transaction commits at the Sync after its CommandComplete. PostgreSQL
/// usually sends both with its ReadyForQuery, after the commit (the first test, where a
/// deferred trigger that sleeps makes the commit take two seconds); but a flush of its
/// output in between sends the CommandComplete early, and PostgresNIO reports success on it
/// (the second). So the store commits every acknowledged write explicitly.
@Suite struct DurableWriteTests {
    @Test func aPreparedAutocommitWriteReturnsOnlyOnceOtherSessionsSeeIt() async throws {
        let url = try TestEnvironment.variable("SIGNET_TEST_AUDIT_DATABASE_URL")
        var logger = Logger(label: "durable-write-test")
        logger.logLevel = .error
        let database = try Database(url: url, auditKey: try AuditKey(file: try TestEnvironment.variable("SIGNET_AUDIT_KEY_FILE")), maximumConnections: 4, logger: logger)
        let running = Task { await database.run() }
        defer { running.cancel() }
        let client = database.client
        for statement: PostgresQuery in [
            "DROP TABLE IF EXISTS durability_probe",
            "CREATE TABLE durability_probe (id text PRIMARY KEY)",
            "CREATE OR REPLACE FUNCTION durability_probe_slow_commit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(2); RETURN NULL; END $$",
            "CREATE CONSTRAINT TRIGGER slow_commit AFTER INSERT ON durability_probe DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION durability_probe_slow_commit()",
        ] { try await client.fetch(statement, logger: logger) }
        func visible(_ id: String) async throws -> Bool {
            try await client.fetch("SELECT count(*) FROM durability_probe WHERE id = \(id)", logger: logger).rows.first?.decode(Int.self) == 1
        }

        let id = unique("probe")
        let started = ContinuousClock.now
        for try await _ in try await client.execute(ProbeInsert(id: id), logger: logger) {}
        #expect(ContinuousClock.now - started >= .seconds(2), "the insert returned before its commit's trigger ran")
        #expect(try await visible(id), "committed when the insert returned")
        try await client.fetch("DROP TABLE durability_probe", logger: logger)
    }

    /// The gap itself: a warning raised at commit flushes the backend's output, and with it
    /// the CommandComplete of a statement whose commit then fails (as a crashing backend's
    /// farewell flushes it while the commit waits for the WAL or a standby). An autocommit
    /// write is reported done; `committedExecute` reports the failure, and nothing is stored.
    @Test func aWriteWhoseCommitFailsAfterTheBackendFlushedIsReportedFailed() async throws {
        let url = try TestEnvironment.variable("SIGNET_TEST_AUDIT_DATABASE_URL")
        var logger = Logger(label: "durable-write-test")
        logger.logLevel = .critical
        let database = try Database(url: url, auditKey: try AuditKey(file: try TestEnvironment.variable("SIGNET_AUDIT_KEY_FILE")), maximumConnections: 4, logger: logger)
        let running = Task { await database.run() }
        defer { running.cancel() }
        let client = database.client
        for statement: PostgresQuery in [
            "DROP TABLE IF EXISTS commit_probe",
            "CREATE TABLE commit_probe (id text PRIMARY KEY)",
            "CREATE OR REPLACE FUNCTION commit_probe_refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE WARNING 'flushing before the commit ends'; RAISE EXCEPTION 'the commit fails'; END $$",
            "CREATE CONSTRAINT TRIGGER refuse_commit AFTER INSERT ON commit_probe DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION commit_probe_refuse()",
        ] { try await client.fetch(statement, logger: logger) }
        // PostgresNIO closes the connection that got an error after its CommandComplete: read
        // as the store reads (`fetch`), which never writes to a closed pooled connection (a
        // raw query written to one is never answered, and the test waited forever).
        func stored(_ id: String) async throws -> Bool {
            try await client.fetch("SELECT count(*) FROM commit_probe WHERE id = \(id)", logger: logger).rows.first?.decode(Int.self) == 1
        }

        let autocommit = unique("autocommit")
        let reportedDone = (try? await client.timedExecute(CommitProbeInsert(id: autocommit), logger: logger)) != nil
        let autocommitStored = try await stored(autocommit)
        #expect(reportedDone && !autocommitStored, "the premise: an autocommit write is reported done before a commit that fails")

        let committed = unique("committed")
        await #expect(throws: (any Error).self, "a commit that failed is reported as failed") {
            try await client.committedExecute(CommitProbeInsert(id: committed), logger: logger)
        }
        let committedStored = try await stored(committed)
        #expect(!committedStored)
        try await client.fetch("DROP TABLE commit_probe", logger: logger)
    }

    struct CommitProbeInsert: PreparedWrite {
        static let sql = "INSERT INTO commit_probe (id) VALUES ($1)"
        let id: String
        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 1)
            bindings.append(id)
            return bindings
        }
    }

    struct ProbeInsert: PreparedWrite {
        static let sql = "INSERT INTO durability_probe (id) VALUES ($1)"
        let id: String
        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 1)
            bindings.append(id)
            return bindings
        }
    }
}
