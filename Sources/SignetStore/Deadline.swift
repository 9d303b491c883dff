import Foundation
import Logging
import PostgresNIO
import SignetMetrics
import Synchronization

/// How long a statement may wait for a connection and an answer. Without a deadline a
/// request made while the database is unreachable would wait for the pool's circuit
/// breaker (about a minute); with it, callers get `StoreError.unavailable` quickly.
let databaseDeadline: Duration = .seconds(5)

/// Runs `operation`, giving up after `deadline`. The operation runs as its own task and is
/// cancelled, not awaited, when the deadline passes: a task group would wait for it, and a
/// connection lease that ignores cancellation would hold the caller for a minute.
///
/// Every statement runs under a deadline, so watching one must cost little: deadlines are
/// entries in one shared watch, not a sleeping task and a timer each.
public func withDeadline<T: Sendable>(_ deadline: Duration, _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withDeadline(deadline, watch: .shared, operation)
}

func withDeadline<T: Sendable>(_ deadline: Duration, watch: DeadlineWatch, _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let outcome = FirstOutcome(waiter: continuation, watch: watch)
        let work = Task {
            do { outcome.finish(.success(try await operation())) } catch { outcome.finish(.failure(error)) }
        }
        outcome.watch(until: .now + deadline) {
            if outcome.finish(.failure(StoreError.unavailable("the database did not answer within \(deadline)"))) {
                SignetMetrics.count(.databaseDeadlineHits)
                work.cancel()
            }
        }
    }
}

/// Resumes a continuation with whichever result arrives first, and stops watching its
/// deadline once it has.
final class FirstOutcome<T: Sendable>: @unchecked Sendable {
    // @unchecked: every access holds `lock`.
    private let lock = NSLock()
    private let watch: DeadlineWatch
    /// nil once a result was delivered.
    private var waiter: CheckedContinuation<T, any Error>?
    private var ticket: UInt64?

    init(waiter: CheckedContinuation<T, any Error>, watch: DeadlineWatch) {
        self.waiter = waiter
        self.watch = watch
    }

    /// Watches the deadline, unless a result already arrived.
    func watch(until due: ContinuousClock.Instant, expire: @escaping @Sendable () -> Void) {
        let added = watch.add(due: due, expire: expire)
        let finished = lock.withLock { () -> Bool in
            ticket = added
            return waiter == nil
        }
        if finished { watch.remove(added) }
    }

    /// True when this call delivered the result.
    @discardableResult
    func finish(_ result: Result<T, any Error>) -> Bool {
        let (waiter, ticket) = lock.withLock {
            defer { self.waiter = nil }
            return (self.waiter, self.waiter == nil ? nil : self.ticket)
        }
        if let ticket { watch.remove(ticket) }
        waiter?.resume(with: result)
        return waiter != nil
    }
}

/// Deadlines of operations in flight, checked by one task a few times a second. An
/// operation that finishes removes its entry; one whose deadline passes has its expiry run.
final class DeadlineWatch: Sendable {
    static let shared = DeadlineWatch()
    /// How late an expiry may run after its deadline.
    static let resolution: Duration = .milliseconds(100)

    private struct Entry {
        let due: ContinuousClock.Instant
        let expire: @Sendable () -> Void
    }

    private struct State {
        var next: UInt64 = 0
        var entries: [UInt64: Entry] = [:]
        var sweeping = false
    }

    private let state = Mutex(State())

    func add(due: ContinuousClock.Instant, expire: @escaping @Sendable () -> Void) -> UInt64 {
        let (ticket, startSweeper) = state.withLock { state -> (UInt64, Bool) in
            state.next += 1
            state.entries[state.next] = Entry(due: due, expire: expire)
            defer { state.sweeping = true }
            return (state.next, !state.sweeping)
        }
        if startSweeper { Task.detached { await self.sweep() } }
        return ticket
    }

    func remove(_ ticket: UInt64) {
        _ = state.withLock { $0.entries.removeValue(forKey: ticket) }
    }

    /// Deadlines still watched (for tests: a finished operation leaves none behind).
    var watched: Int { state.withLock { $0.entries.count } }

    /// Runs while anything is watched; a later `add` starts it again.
    private func sweep() async {
        while true {
            try? await Task.sleep(for: Self.resolution)
            let now = ContinuousClock.now
            let (expired, done) = state.withLock { state -> ([Entry], Bool) in
                let due = state.entries.filter { $0.value.due <= now }
                for ticket in due.keys { state.entries.removeValue(forKey: ticket) }
                if state.entries.isEmpty { state.sweeping = false }
                return (Array(due.values), state.entries.isEmpty)
            }
            for entry in expired { entry.expire() }
            if done { return }
        }
    }
}

extension PostgresClient {
    /// `query` with the database deadline.
    @discardableResult
    func timedQuery(_ query: PostgresQuery, logger: Logger) async throws -> FetchedRows {
        try await withDeadline(databaseDeadline) { try await self.fetch(query, logger: logger) }
    }
}
