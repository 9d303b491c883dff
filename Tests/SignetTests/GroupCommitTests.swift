import Synchronization
import Testing

@testable import SignetStore

/// `GroupCommit` gathers rows that arrive while statements are in flight, keeps no more
/// statements in flight than it was given, and fails only the caller whose row is bad.
@Suite struct GroupCommitTests {
    /// What the write closure saw: the batches, and the most statements at once.
    final class Writes: Sendable {
        struct State { var batches: [[Int]] = []; var inFlight = 0; var mostInFlight = 0 }
        let state = Mutex(State())
        func begin(_ rows: [Int]) { state.withLock { $0.batches.append(rows); $0.inFlight += 1; $0.mostInFlight = max($0.mostInFlight, $0.inFlight) } }
        func end() { state.withLock { $0.inFlight -= 1 } }
    }

    struct BadRow: Error {}

    @Test func concurrentRowsShareStatementsAndNoMoreThanTwoRunAtOnce() async throws {
        let writes = Writes()
        let group = GroupCommit<Int>(writer: "test") { rows in
            writes.begin(rows)
            defer { writes.end() }
            // A statement waiting on its commit: long enough for the other callers to arrive.
            try await Task.sleep(for: .milliseconds(20))
        }
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            for row in 0..<64 { tasks.addTask { try await group.submit(row) } }
            try await tasks.waitForAll()
        }
        let seen = writes.state.withLock { $0 }
        #expect(seen.mostInFlight == 2)
        #expect(seen.batches.flatMap { $0 }.sorted() == Array(0..<64), "every row written exactly once")
        #expect(seen.batches.count <= 8, "64 rows arriving together took \(seen.batches.count) statements")
    }

    @Test func aBadRowFailsOnlyItsCaller() async throws {
        let group = GroupCommit<Int>(writer: "test") { rows in
            try await Task.sleep(for: .milliseconds(5))
            if rows.contains(13) { throw BadRow() }
        }
        let outcomes = await withTaskGroup(of: (Int, Bool).self) { tasks in
            for row in 0..<32 { tasks.addTask { (row, (try? await group.submit(row)) != nil) } }
            return await tasks.reduce(into: [Int: Bool]()) { $0[$1.0] = $1.1 }
        }
        #expect(outcomes.filter { !$0.value }.keys.sorted() == [13])
    }

    /// A batch whose COMMIT took effect but whose answer was lost (a failover) is retried
    /// row by row; each retry then fails on its own key. Rows found written are reported
    /// written; a row that is not there still fails its caller.
    @Test func rowsAnAmbiguousCommitWroteAreReportedWritten() async throws {
        struct LostAnswer: Error {}
        struct DuplicateKey: Error {}
        let stored = Mutex(Set<Int>())
        let group = GroupCommit<Int>(writer: "test", committed: { row, _ in stored.withLock { $0.contains(row) } }) { rows in
            try await Task.sleep(for: .milliseconds(5))
            if rows.contains(13) { throw BadRow() }
            let duplicate = stored.withLock { state in
                if rows.contains(where: state.contains) { return true }
                state.formUnion(rows)
                return false
            }
            if duplicate { throw DuplicateKey() }
            if rows.count > 1 { throw LostAnswer() }  // committed, but the caller cannot know
        }
        let outcomes = await withTaskGroup(of: (Int, Bool).self) { tasks in
            for row in 0..<32 { tasks.addTask { (row, (try? await group.submit(row)) != nil) } }
            return await tasks.reduce(into: [Int: Bool]()) { $0[$1.0] = $1.1 }
        }
        #expect(outcomes.filter { !$0.value }.keys.sorted() == [13])
        #expect(stored.withLock { $0.count } == 31)
    }
}
