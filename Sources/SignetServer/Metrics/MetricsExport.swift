import CoreMetrics
import Foundation
import Prometheus
import SignetMetrics
import SignetStore
import Synchronization

/// The process's Prometheus registry, which swift-metrics records into once ``bootstrap()``
/// ran, and the exposition `/metrics` serves.
final class MetricsExport: Sendable {
    let registry: PrometheusCollectorRegistry

    private static let bootstrapped = Mutex<MetricsExport?>(nil)

    /// Makes Prometheus the process's metrics backend, once: swift-metrics allows one
    /// bootstrap per process, so a second call returns the first export.
    static func bootstrap() -> MetricsExport {
        bootstrapped.withLock { existing in
            if let existing { return existing }
            let export = MetricsExport(registry: PrometheusCollectorRegistry())
            var factory = PrometheusMetricsFactory(registry: export.registry)
            factory.durationHistogramBuckets = [
                MetricName.httpRequestDuration.rawValue: [1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000].map { .microseconds(Int64($0 * 1000)) },
                MetricName.tokenCallDuration.rawValue: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 100, 1000].map { .microseconds(Int64($0 * 1000)) },
            ]
            factory.valueHistogramBuckets = [MetricName.groupCommitBatchSize.rawValue: [1, 2, 4, 8, 16, 32, 64, 128]]
            MetricsSystem.bootstrap(factory)
            existing = export
            return export
        }
    }

    /// An export that nothing records into (in-process tests, which must not bootstrap the
    /// process's metrics).
    static func standalone() -> MetricsExport { MetricsExport(registry: PrometheusCollectorRegistry()) }

    private init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
    }

    /// The text exposition, after setting what is read at scrape time: the pool's counts,
    /// resident memory and open file descriptors.
    func exposition(maximumConnections: Int) -> [UInt8] {
        SignetMetrics.set(.databasePool, [("state", "in_use")], to: Double(PoolUsage.inUse))
        SignetMetrics.set(.databasePool, [("state", "waiting")], to: Double(PoolUsage.waiting))
        SignetMetrics.set(.databasePoolMaximum, to: Double(maximumConnections))
        if let resident = ProcessFigures.residentBytes() { SignetMetrics.set(.residentMemory, to: Double(resident)) }
        if let descriptors = ProcessFigures.openDescriptors() { SignetMetrics.set(.openFileDescriptors, to: Double(descriptors)) }
        return registry.emitToBuffer()
    }
}

/// Figures about this process from /proc (Linux).
enum ProcessFigures {
    static func residentBytes() -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return nil }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return nil }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    static func openDescriptors() -> Int? {
        // Less one: the directory handle that listing it opens.
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")).map { max(0, $0.count - 1) }
    }
}
