import Foundation
import Logging
import PostgresNIO
import SignetDMS
import SignetStore
import Testing

/// A device import survives the death of its runner: another process takes it over once the
/// lease lapses, the dead runner can no longer commit, and the chunk record shows every row
/// range committed once and by whom. Runs on a database no server claims jobs from.
@Suite struct ImportJobRunnerTests {
    @Test func aTakenOverJobIsFinishedByTheNextRunnerAndEveryRangeCommittedOnce() async throws {
        let url = try TestEnvironment.variable("SIGNET_TEST_AUDIT_DATABASE_URL")
        let key = try AuditKey(file: try TestEnvironment.variable("SIGNET_AUDIT_KEY_FILE"))
        var logger = Logger(label: "import-runner-test")
        logger.logLevel = .error
        let database = try Database(url: url, auditKey: key, maximumConnections: 4, logger: logger)
        let running = Task { await database.run() }
        defer { running.cancel() }
        try await database.migrate()
        let registry = Registry(database: database)

        // Rows naming no DMS: each chunk records them as refused, which is all this needs.
        let rows = 2 * DeviceImport.chunkSize + 500
        let prefix = unique("runner")
        let csv = "id,dms,tags,metadata,group\n" + (0..<rows).map { "\(prefix)-\($0),no-such-dms,,," }.joined(separator: "\n") + "\n"
        let id = try await registry.createJob(kind: "DEVICE_IMPORT", actor: "test", input: Array(csv.utf8), totalRows: rows)

        let first = try #require(try await registry.claimJob(id: id, runner: "runner-a"))
        #expect(try await registry.claimJob(id: id, runner: "runner-b") == nil, "a second runner waits while the lease holds")
        let chunk = (0..<DeviceImport.chunkSize).map { (row: $0 + 2, message: "refused") }
        try await registry.commitImportChunk(job: first, from: 0, to: DeviceImport.chunkSize, rows: [], invalid: chunk)

        // Runner a dies here: its lease runs out.
        try await database.client.fetch("UPDATE jobs SET lease_until = now() - interval '1 second' WHERE id = \(id)", logger: logger)
        let second = try #require(try await registry.claimJob(id: id, runner: "runner-b"))
        #expect(second.nextRow == DeviceImport.chunkSize, "the next runner resumes after the last committed chunk")
        await #expect(throws: Catalog.EditError.self, "the runner that lost the job cannot commit its next chunk") {
            try await registry.commitImportChunk(job: first, from: DeviceImport.chunkSize, to: 2 * DeviceImport.chunkSize, rows: [], invalid: chunk)
        }
        try await DeviceImport.run(second, registry: registry, logger: logger)

        let job = try #require(try await registry.job(id: id))
        #expect(job.status == "DONE")
        #expect(job.failed == rows, "every row counted once")
        var chunks: [(from: Int, to: Int, runner: String)] = []
        for try await chunk in try await database.client.fetch(
            "SELECT from_row, to_row, runner FROM job_chunks WHERE job_id = \(id) ORDER BY from_row", logger: logger
        ).decode((Int, Int, String).self) { chunks.append(chunk) }
        #expect(chunks.map(\.from) == [0, DeviceImport.chunkSize, 2 * DeviceImport.chunkSize])
        #expect(chunks.map(\.to) == [DeviceImport.chunkSize, 2 * DeviceImport.chunkSize, rows], "contiguous, each range once")
        #expect(chunks.map(\.runner) == ["runner-a", "runner-b", "runner-b"])
    }
}
