import Foundation
import Logging
import NIOPosix
import PostgresNIO
@testable import SignetStore
import Testing

/// A connection that the database closes while a result is still arriving (a restart, a
/// terminated backend, a failover) fails the statement; it does not stop the process.
///
/// The shape that stopped a server in the database-restart fault: rows waiting in the
/// socket when the server closes it. NIO then reads everything left in one go on the
/// connection's event loop and reports each read complete; PostgresNIO's streaming row
/// sequence, waiting for its consumer on another thread to ask for more, took the second
/// report for a broken invariant (a precondition in `RowStreamStateMachine`). Here the
/// connection's event loop is held busy while the backend fills the socket and is then
/// terminated, so the rows and the close are waiting together when the loop runs again.
@Suite struct LostConnectionReadTests {
    @Test func aResultCutOffByTheServerFailsTheStatementAndThePoolCarriesOn() async throws {
        let url = try TestEnvironment.variable("SIGNET_TEST_AUDIT_DATABASE_URL")
        let logger = { var logger = Logger(label: "lost-connection-test"); logger.logLevel = .critical; return logger }()
        let database = try Database(url: url, auditKey: try AuditKey(file: try TestEnvironment.variable("SIGNET_AUDIT_KEY_FILE")), maximumConnections: 2, logger: logger)
        let running = Task { await database.run() }
        defer { running.cancel() }
        // The terminating session runs on event loops of its own: the test blocks the
        // reading connection's loop, which may be any of the shared group's.
        let otherLoops = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let terminator = PostgresClient(configuration: try Database.configuration(url: url), eventLoopGroup: otherLoops, backgroundLogger: logger)
        let terminatorRunning = Task { await terminator.run() }
        defer { terminatorRunning.cancel() }

        let outcome: Result<Int, any Error> = try await database.client.withConnection { connection in
            var pid: Int32 = 0
            for try await value in try await connection.fetch("SELECT pg_backend_pid()", logger: logger).decode(Int32.self) { pid = value }
            #expect(pid != 0)
            // About 2 GB if it ran to the end: it never does.
            let reading = Task {
                try await connection.fetch("SELECT repeat('x', 1000) FROM generate_series(1, 2000000)", logger: logger).rows.count
            }
            try await Task.sleep(for: .milliseconds(200))
            let loopHeld = connection.eventLoop.submit { Thread.sleep(forTimeInterval: 1.5) }
            try await Task.sleep(for: .milliseconds(500))
            var terminated = false
            for try await done in try await terminator.fetch("SELECT pg_terminate_backend(\(pid))", logger: logger).decode(Bool.self) { terminated = done }
            #expect(terminated, "the reading backend was terminated")
            try await loopHeld.get()
            return await reading.result
        }

        switch outcome {
        case .success(let count): Issue.record("the cut-off read returned \(count) rows instead of failing")
        case .failure(let error): #expect(error is PSQLError, "failed as a database error: \(error)")
        }
        var answered = 0
        for try await value in try await database.client.fetch("SELECT 1", logger: logger).decode(Int.self) { answered = value }
        #expect(answered == 1, "the pool answers on a new connection")
        terminatorRunning.cancel()
        await terminatorRunning.value
        try await otherLoops.shutdownGracefully()
    }
}


/// A statement on a connection that has already closed fails at once, unsent. PostgresNIO
/// answers nothing to a statement written to a closed connection; the pool hands one out
/// in the moment between its close and the pool hearing of it, and the statement then
/// waited for its deadline (a 503 five seconds late) with its task stuck for good.
@Suite struct ClosedConnectionTests {
    @Test func aStatementOnAClosedConnectionFailsAtOnceUnsent() async throws {
        let url = try TestEnvironment.variable("SIGNET_TEST_AUDIT_DATABASE_URL")
        let logger = { var logger = Logger(label: "closed-connection-test"); logger.logLevel = .critical; return logger }()
        let key = try AuditKey(file: try TestEnvironment.variable("SIGNET_AUDIT_KEY_FILE"))
        let database = try Database(url: url, auditKey: key, maximumConnections: 2, logger: logger)
        let running = Task { await database.run() }
        defer { running.cancel() }
        let terminator = try Database(url: url, auditKey: key, maximumConnections: 1, logger: logger)
        let terminatorRunning = Task { await terminator.run() }
        defer { terminatorRunning.cancel() }

        let (query, prepared) = try await database.client.withConnection { connection in
            var pid: Int32 = 0
            for try await value in try await connection.fetch("SELECT pg_backend_pid()", logger: logger).decode(Int32.self) { pid = value }
            try await terminator.client.fetch("SELECT pg_terminate_backend(\(pid))", logger: logger)
            try? await connection.closeFuture.get()
            let query = await outcome { try await connection.fetch("SELECT 1", logger: logger).rows.count }
            let prepared = await outcome { try await connection.rows(ProbeRead(), small: true, logger: logger).count }
            return (query, prepared)
        }
        for (form, outcome) in [("a one-off statement", query), ("a prepared statement", prepared)] {
            guard case .failure(let error) = outcome, case StoreError.connectionClosed = error else {
                Issue.record("\(form) on a closed connection: \(outcome) instead of StoreError.connectionClosed")
                continue
            }
        }
    }

    /// Within a deadline shorter than the store's, so that waiting shows as its message.
    func outcome(_ statement: @escaping @Sendable () async throws -> Int) async -> Result<Int, any Error> {
        do { return .success(try await withDeadline(.seconds(3), statement)) } catch { return .failure(error) }
    }

    struct ProbeRead: PostgresPreparedStatement {
        static let sql = "SELECT 1"
        typealias Row = Int
        func makeBindings() throws -> PostgresBindings { PostgresBindings() }
        func decodeRow(_ row: PostgresRow) throws -> Int { try row.decode(Int.self) }
    }
}
