import Foundation
@testable import SignetStore
import Testing

@Suite struct DeadlineTests {
    /// An operation that never answers fails with `unavailable` soon after its deadline.
    @Test func expiresAHangingOperation() async throws {
        let started = ContinuousClock.now
        await #expect(throws: StoreError.self) {
            try await withDeadline(.milliseconds(300)) {
                try await Task.sleep(for: .seconds(30))
                return 1
            }
        }
        let waited = ContinuousClock.now - started
        #expect(waited >= .milliseconds(300) && waited < .seconds(5), "waited \(waited)")
    }

    /// Operations that finish in time return their value and leave nothing watched.
    @Test func finishedOperationsAreNotWatched() async throws {
        let watch = DeadlineWatch()
        let values = try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<200 { group.addTask { try await withDeadline(.seconds(5), watch: watch) { index } } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(values.sorted() == Array(0..<200))
        #expect(watch.watched == 0)
    }

    /// A failing operation's own error reaches the caller, not a timeout.
    @Test func passesOnErrors() async throws {
        struct Refused: Error {}
        await #expect(throws: Refused.self) {
            try await withDeadline(.seconds(5)) { () async throws -> Int in throw Refused() }
        }
    }
}
