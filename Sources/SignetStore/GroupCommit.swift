import Foundation
import SignetMetrics

/// Writes rows from many concurrent callers in few statements: each caller waits until the
/// statement holding its row has committed, and rows that arrive while statements are in
/// flight are gathered into the next one. Under load batches grow by themselves; a lone
/// caller waits for one round trip, as it would without batching.
///
/// If a batch fails, its rows are retried one by one, so only a bad row fails its caller.
/// A failure can be ambiguous: a connection lost at COMMIT (a crash, a failover) leaves the
/// batch committed or not. A row whose retry fails is handed to `committed` with the error:
/// one it finds written is reported written, rather than failing on the retry's duplicate
/// key.
///
/// Two statements in flight, not more: with four, 16 concurrent issuances found a free slot
/// for almost every row and PostgreSQL committed about one row per statement; with two,
/// rows gather while one statement waits on its WAL flush and the other executes (half the
/// statements, about 15 % less machine CPU per certificate). One alone would stall every
/// writer behind a single slow statement.
actor GroupCommit<Row: Sendable> {
    typealias Write = @Sendable ([Row]) async throws -> Void
    typealias Committed = @Sendable (Row, any Error) async throws -> Bool

    private let write: Write
    private let committed: Committed
    private let maxBatch: Int
    private let maxInFlight: Int
    private var pending: [(row: Row, waiter: CheckedContinuation<Void, any Error>)] = []
    private var inFlight = 0
    /// The `writer` label of `signet_group_commit_batch_size`.
    private let writer: String

    init(writer: String, maxBatch: Int = 128, maxInFlight: Int = 2, committed: @escaping Committed = { _, _ in false }, write: @escaping Write) {
        self.writer = writer
        self.write = write
        self.committed = committed
        self.maxBatch = maxBatch
        self.maxInFlight = maxInFlight
    }

    func submit(_ row: Row) async throws {
        try await withCheckedThrowingContinuation { waiter in
            pending.append((row, waiter))
            startFlushes()
        }
    }

    private func startFlushes() {
        while inFlight < maxInFlight && !pending.isEmpty {
            let batch = Array(pending.prefix(maxBatch))
            pending.removeFirst(batch.count)
            SignetMetrics.observe(.groupCommitBatchSize, [("writer", writer)], Double(batch.count))
            inFlight += 1
            Task { await self.flush(batch) }
        }
    }

    private func flush(_ batch: [(row: Row, waiter: CheckedContinuation<Void, any Error>)]) async {
        do {
            try await write(batch.map(\.row))
            for entry in batch { entry.waiter.resume() }
        } catch where batch.count > 1 {
            for entry in batch {
                do {
                    try await write([entry.row])
                    entry.waiter.resume()
                } catch {
                    await settle(entry, after: error)
                }
            }
        } catch {
            await settle(batch[0], after: error)
        }
        inFlight -= 1
        startFlushes()
    }

    /// A row whose own write failed: written after all if an earlier, ambiguous attempt
    /// committed it; otherwise the failure is its caller's.
    private func settle(_ entry: (row: Row, waiter: CheckedContinuation<Void, any Error>), after error: any Error) async {
        if (try? await committed(entry.row, error)) == true {
            entry.waiter.resume()
        } else {
            entry.waiter.resume(throwing: error)
        }
    }
}
