import Foundation
import PostgresNIO

/// What the metrics gauges read from the database on a timer: figures every server shares,
/// so each reports the same values whichever did the work.
public struct OperationalFigures: Sendable {
    /// Seconds since each CA's newest CRL of each kind (`FULL`, `DELTA`), for those published.
    public var crlAgeSeconds: [CRLAgeKey: Double] = [:]

    public struct CRLAgeKey: Hashable, Sendable {
        public let caID: String
        public let kind: String
    }
    /// Age of the oldest audit row not yet sealed; 0 when all are sealed.
    public var oldestUnsealedSeconds: Double = 0
    /// Import jobs by status.
    public var jobsByStatus: [String: Int] = [:]
    /// Rows processed and rows in all, over jobs not yet finished.
    public var unfinishedRowsDone = 0
    public var unfinishedRowsTotal = 0
    /// This process's open connections as PostgreSQL sees them, by state (`idle`, `active`, …).
    public var connectionsByState: [String: Int] = [:]
}

extension Database {
    /// Reads the figures: the newest CRL of each kind per CA through `crls_latest`, the oldest unsealed
    /// row through its partial index, and the jobs table (a few rows per import).
    public func operationalFigures() async throws -> OperationalFigures {
        var figures = OperationalFigures()
        for try await (caID, kind, age) in try await client.timedQuery("""
            SELECT a.id, k.kind, extract(epoch FROM now() - (
                SELECT c.this_update FROM crls c WHERE c.ca_id = a.id AND c.kind = k.kind ORDER BY c.crl_number DESC LIMIT 1
            ))::float8
            FROM certificate_authorities a CROSS JOIN (VALUES ('FULL'), ('DELTA')) AS k (kind)
            """, logger: logger).decode((String, String, Double?).self) {
            if let age { figures.crlAgeSeconds[.init(caID: caID, kind: kind)] = max(0, age) }
        }
        for try await age in try await client.timedQuery(
            "SELECT extract(epoch FROM now() - min(recorded_at))::float8 FROM audit_log WHERE chain_seq IS NULL", logger: logger
        ).decode(Double?.self) {
            figures.oldestUnsealedSeconds = max(0, age ?? 0)
        }
        for try await (status, count, done, total) in try await client.timedQuery("""
            SELECT status, count(*)::int8,
                   coalesce(sum(succeeded + failed) FILTER (WHERE status IN ('PENDING', 'RUNNING')), 0)::int8,
                   coalesce(sum(total_rows) FILTER (WHERE status IN ('PENDING', 'RUNNING')), 0)::int8
            FROM jobs GROUP BY status
            """, logger: logger).decode((String, Int, Int, Int).self) {
            figures.jobsByStatus[status] = count
            figures.unfinishedRowsDone += done
            figures.unfinishedRowsTotal += total
        }
        for try await (state, count) in try await client.timedQuery("""
            SELECT coalesce(state, 'unknown'), count(*)::int8 FROM pg_stat_activity WHERE application_name = \(Self.applicationName) GROUP BY 1
            """, logger: logger).decode((String, Int).self) {
            figures.connectionsByState[state] = count
        }
        return figures
    }
}
