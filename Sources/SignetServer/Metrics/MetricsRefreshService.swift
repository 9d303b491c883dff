import Foundation
import Logging
import ServiceLifecycle
import SignetCore
import SignetMetrics
import SignetStore
import SignetToken

/// Sets the gauges that come from probing the token and from the database, on a timer
/// rather than per scrape: a scrape then costs no token call and no query, however often
/// Prometheus (or several) ask.
struct MetricsRefreshService: Service {
    let token: Token
    let database: Database
    let registry: Registry
    let interval: Duration
    let revocationSettings: RevocationSettings
    let logger: Logger

    func run() async throws {
        var failing = false
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let failure = await refresh()
            // Once when the gauges go stale and once when they are fresh again, not every pass.
            if let failure, !failing { logger.warning("metrics gauges not refreshed: the database did not answer", metadata: ["error": "\(failure)"]) }
            if failure == nil, failing { logger.notice("metrics gauges refreshed again") }
            failing = failure != nil
            try? await Task.sleep(for: interval)
        }
    }

    /// Refreshes every gauge; the error that stopped the database's part, if any.
    func refresh() async -> (any Error)? {
        // Constant, but a gauge: alert rules compare CRL ages with it.
        SignetMetrics.set(.crlValidity, [("kind", "full")], to: revocationSettings.crlValidity)
        SignetMetrics.set(.crlValidity, [("kind", "delta")], to: revocationSettings.deltaCRLValidity)
        let token = self.token
        let up = (try? await token.perform { try token.probe() }) != nil
        SignetMetrics.set(.tokenUp, to: up ? 1 : 0)
        do {
            let figures = try await database.operationalFigures()
            for (key, age) in figures.crlAgeSeconds {
                SignetMetrics.set(.crlAge, [("ca", MetricLabel.bounded("ca", key.caID)), ("kind", key.kind.lowercased())], to: age)
            }
            SignetMetrics.set(.auditOldestUnsealed, to: figures.oldestUnsealedSeconds)
            for status in ["PENDING", "RUNNING", "DONE", "FAILED"] {
                SignetMetrics.set(.importJobs, [("status", status)], to: Double(figures.jobsByStatus[status] ?? 0))
            }
            SignetMetrics.set(.importRows, [("state", "done")], to: Double(figures.unfinishedRowsDone))
            SignetMetrics.set(.importRows, [("state", "total")], to: Double(figures.unfinishedRowsTotal))
            // The connection this query runs on counts as active; the rest of the pool's open
            // connections are what PostgreSQL says they are.
            SignetMetrics.set(.databasePool, [("state", "idle")], to: Double(figures.connectionsByState["idle"] ?? 0))
            SignetMetrics.set(.databasePool, [("state", "open")], to: Double(figures.connectionsByState.values.reduce(0, +)))
            let devices = try await registry.deviceStats([])
            for (status, count) in devices.byStatus {
                SignetMetrics.set(.devices, [("status", status)], to: Double(count))
            }
        } catch {
            return error
        }
        return nil
    }
}
