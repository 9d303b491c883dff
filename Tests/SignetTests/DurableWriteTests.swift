import Foundation
import Logging
import PostgresNIO
@testable import SignetStore
import Testing

/// A write returns only once it is committed: the issuance path signs under an approval it
/// has written, and hands out a certificate it has written, on exactly that promise. A
/// statement outside a transaction commits at the Sync after its CommandComplete; PostgreSQL
/// sends both only with its ReadyForQuery, so PostgresNIO answers after the commit. A
/// deferred constraint trigger that sleeps makes the commit take two seconds, on a database
/// no server uses, so that an answer before the commit would show.
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
        ] { try await client.query(statement, logger: logger) }
        func visible(_ id: String) async throws -> Bool {
            for try await count in try await client.query("SELECT count(*) FROM durability_probe WHERE id = \(id)", logger: logger).decode(Int.self) { return count == 1 }
            return false
        }

        let id = unique("probe")
        let started = ContinuousClock.now
        for try await _ in try await client.execute(ProbeInsert(id: id), logger: logger) {}
        #expect(ContinuousClock.now - started >= .seconds(2), "the insert returned before its commit's trigger ran")
        #expect(try await visible(id), "committed when the insert returned")
        try await client.query("DROP TABLE durability_probe", logger: logger)
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
