import Foundation
import Logging
import PostgresNIO

/// How long a statement may wait for a connection and an answer. Without a deadline a
/// request made while the database is unreachable would wait for the pool's circuit
/// breaker (about a minute); with it, callers get `StoreError.unavailable` quickly.
let databaseDeadline: Duration = .seconds(5)

/// Runs `operation`, giving up after `deadline`. The operation runs as its own task and is
/// cancelled, not awaited, when the deadline passes: a task group would wait for it, and a
/// connection lease that ignores cancellation would hold the caller for a minute.
public func withDeadline<T: Sendable>(_ deadline: Duration, _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
    let outcome = FirstOutcome<T>()
    return try await withCheckedThrowingContinuation { continuation in
        outcome.waiter = continuation
        let work = Task {
            do { outcome.finish(.success(try await operation())) } catch { outcome.finish(.failure(error)) }
        }
        Task {
            try? await Task.sleep(for: deadline)
            if outcome.finish(.failure(StoreError.unavailable("the database did not answer within \(deadline)"))) { work.cancel() }
        }
    }
}

/// Resumes a continuation with whichever result arrives first.
final class FirstOutcome<T: Sendable>: @unchecked Sendable {
    // @unchecked: every access holds `lock`.
    private let lock = NSLock()
    var waiter: CheckedContinuation<T, any Error>?

    /// True when this call delivered the result.
    @discardableResult
    func finish(_ result: Result<T, any Error>) -> Bool {
        let waiter: CheckedContinuation<T, any Error>? = lock.withLock {
            defer { self.waiter = nil }
            return self.waiter
        }
        waiter?.resume(with: result)
        return waiter != nil
    }
}

extension PostgresClient {
    /// `query` with the database deadline.
    @discardableResult
    func timedQuery(_ query: PostgresQuery, logger: Logger) async throws -> PostgresRowSequence {
        try await withDeadline(databaseDeadline) { try await self.query(query, logger: logger) }
    }
}
