import Foundation
import PostgresNIO

/// A background job as its submitter sees it.
public struct JobRow: Sendable {
    public let id: UUID
    public let kind: String
    public let status: String
    public let actor: String
    public let totalRows: Int
    public let processedRows: Int
    public let succeeded: Int
    public let failed: Int
    public let message: String?
    public let createdAt: Date
    public let startedAt: Date?
    public let finishedAt: Date?
    public var errors: [(row: Int, message: String)] = []
}

/// A job this process holds the lease on, with where to continue.
public struct ClaimedJob: Sendable {
    public let id: UUID
    public let actor: String
    public let input: [UInt8]
    public let nextRow: Int
    /// Who claimed it (recorded on the job and on each chunk it commits).
    public let runner: String
}

extension Registry {
    /// How long a claimed job stays with its runner without progress. Each chunk renews it;
    /// a chunk of 1,000 rows commits in well under a second, so a runner that died loses its
    /// job within this bound. Should a live runner be slower, its next commit is refused (the
    /// job names another runner), so two never both write.
    static let jobLease = 15

    public func createJob(kind: String, actor: String, input: [UInt8], totalRows: Int) async throws -> UUID {
        let id = UUID()
        try await client.committedQuery(
            "INSERT INTO jobs (id, kind, status, actor, input, total_rows) VALUES (\(id), \(kind), 'PENDING', \(actor), \(ByteBuffer(bytes: input)), \(totalRows))",
            logger: logger
        )
        return id
    }

    public func job(id: UUID) async throws -> JobRow? {
        var job: JobRow?
        let query: PostgresQuery = """
            SELECT id, kind, status, actor, total_rows, next_row, succeeded, failed, message, created_at, started_at, finished_at FROM jobs WHERE id = \(id)
            """
        for try await row in try await client.timedQuery(query, logger: logger) { job = try Self.jobRow(row) }
        guard var job else { return nil }
        for try await (row, message) in try await client.timedQuery(
            "SELECT row_number, message FROM job_errors WHERE job_id = \(id) ORDER BY row_number", logger: logger
        ).decode((Int, String).self) { job.errors.append((row, message)) }
        return job
    }

    /// Takes the oldest unfinished job (or the one named) whose lease is free: a runner that
    /// died loses its job to the next one. `runner` names the claiming process.
    public func claimJob(id: UUID? = nil, runner: String) async throws -> ClaimedJob? {
        let claim: PostgresQuery = """
            UPDATE jobs SET status = 'RUNNING', runner = \(runner), lease_until = now() + make_interval(secs => \(Self.jobLease)), started_at = coalesce(started_at, now())
            WHERE id = (SELECT id FROM jobs WHERE status IN ('PENDING', 'RUNNING') AND (lease_until IS NULL OR lease_until < now())
                        AND (\(id)::uuid IS NULL OR id = \(id)) ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED)
            RETURNING id, actor, input, next_row
            """
        for row in try await client.committedQuery(claim, logger: logger) {
            let (id, actor, input, next) = try row.decode((UUID, String, ByteBuffer, Int).self)
            return ClaimedJob(id: id, actor: actor, input: input.bytes, nextRow: next, runner: runner)
        }
        return nil
    }

    /// Registers one chunk of an import and records its progress in the same transaction.
    /// `rows` pairs each device with its row number; `invalid` are rows refused before
    /// reaching the database. Fails (changing nothing) if another runner claimed the job or
    /// moved it on.
    public func commitImportChunk(job: ClaimedJob, from start: Int, to next: Int, rows: [(row: Int, device: NewDevice)], invalid: [(row: Int, message: String)]) async throws {
        let (actor, runner, job) = (job.actor, job.runner, job.id)
        try await client.transaction(logger: logger) { connection in
            var position: Int?, holder: String?
            for try await (value, current) in try await connection.fetch("SELECT next_row, runner FROM jobs WHERE id = \(job) FOR UPDATE", logger: logger).decode((Int, String?).self) {
                (position, holder) = (value, current)
            }
            guard holder == runner else { throw EditError.conflict("job \(job) was taken over by \(holder ?? "nobody")") }
            guard position == start else { throw EditError.conflict("job \(job) moved on to row \(position ?? -1) elsewhere") }
            let rejections = try await register(rows.map(\.device), actor: actor, on: connection)
            let errors = invalid + rejections.map { (rows[$0.index].row, $0.reason) }
            if !errors.isEmpty {
                try await connection.fetch(
                    "INSERT INTO job_errors (job_id, row_number, message) SELECT \(job), unnest(\(errors.map(\.row))::int[]), unnest(\(errors.map(\.message))::text[])",
                    logger: logger
                )
            }
            let succeeded = rows.count - rejections.count
            try await connection.fetch("INSERT INTO job_chunks (job_id, from_row, to_row, runner) VALUES (\(job), \(start), \(next), \(runner))", logger: logger)
            try await connection.fetch(
                """
                UPDATE jobs SET next_row = \(next), succeeded = succeeded + \(succeeded), failed = failed + \(errors.count),
                    lease_until = now() + make_interval(secs => \(Self.jobLease))
                WHERE id = \(job)
                """,
                logger: logger
            )
        }
    }

    /// Hands a job back unfinished, for any runner to resume from its last chunk.
    public func releaseJob(_ job: UUID) async throws {
        try await client.committedQuery("UPDATE jobs SET lease_until = NULL WHERE id = \(job) AND status = 'RUNNING'", logger: logger)
    }

    public func finishJob(_ job: UUID, failed message: String? = nil) async throws {
        try await client.committedQuery(
            "UPDATE jobs SET status = \(message == nil ? "DONE" : "FAILED"), message = \(message), finished_at = now(), lease_until = NULL WHERE id = \(job)",
            logger: logger
        )
    }
}

extension Registry {
    /// The newest jobs, newest first, without their row errors (see ``job(id:)``).
    public func recentJobs(limit: Int) async throws -> [JobRow] {
        var jobs: [JobRow] = []
        let query: PostgresQuery = """
            SELECT id, kind, status, actor, total_rows, next_row, succeeded, failed, message, created_at, started_at, finished_at
            FROM jobs ORDER BY created_at DESC LIMIT \(limit)
            """
        for try await row in try await client.timedQuery(query, logger: logger) { jobs.append(try Self.jobRow(row)) }
        return jobs
    }

    /// A job from `id, kind, status, actor, total_rows, next_row, succeeded, failed, message,
    /// created_at, started_at, finished_at`.
    static func jobRow(_ row: PostgresRow) throws -> JobRow {
        let c = row.makeRandomAccess()
        return JobRow(
            id: try c[0].decode(UUID.self), kind: try c[1].decode(String.self), status: try c[2].decode(String.self), actor: try c[3].decode(String.self),
            totalRows: try c[4].decode(Int.self), processedRows: try c[5].decode(Int.self), succeeded: try c[6].decode(Int.self), failed: try c[7].decode(Int.self),
            message: try c[8].decode(String?.self), createdAt: try c[9].decode(Date.self), startedAt: try c[10].decode(Date?.self), finishedAt: try c[11].decode(Date?.self)
        )
    }
}
