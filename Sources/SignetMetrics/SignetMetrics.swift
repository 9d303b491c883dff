import CoreMetrics

/// Records Signet's metrics through swift-metrics.
///
/// Every metric Signet exports is named in ``MetricName``, with its labels; the recording
/// functions here are the only way code records one, so names and label sets stay as listed.
/// Until a process bootstraps a metrics backend (`signet serve` bootstraps Prometheus),
/// recording costs a call into swift-metrics' no-op handler.
public enum SignetMetrics {
    /// Adds `amount` to the counter `name` with `labels`.
    public static func count(_ name: MetricName, _ labels: [(String, String)] = [], by amount: Int = 1) {
        guard amount > 0 else { return }
        Counter(label: name.rawValue, dimensions: labels).increment(by: amount)
    }

    /// Sets the gauge `name` with `labels`.
    public static func set(_ name: MetricName, _ labels: [(String, String)] = [], to value: Double) {
        Gauge(label: name.rawValue, dimensions: labels).record(value)
    }

    /// Records `value` in the histogram `name`.
    public static func observe(_ name: MetricName, _ labels: [(String, String)] = [], _ value: Double) {
        Recorder(label: name.rawValue, dimensions: labels, aggregate: true).record(value)
    }

    /// Records how long something took in the duration histogram `name`.
    public static func time(_ name: MetricName, _ labels: [(String, String)] = [], since start: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - start
        let (seconds, attoseconds) = elapsed.components
        CoreMetrics.Timer(label: name.rawValue, dimensions: labels).recordNanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }

    /// Times `body` into the duration histogram `name`, labelled with `labels` and an
    /// `outcome` of `ok` or `error`, and counts it in `counter` with the same labels.
    public static func measure<T>(_ name: MetricName, counter: MetricName, _ labels: [(String, String)], _ body: () throws -> T) throws -> T {
        let start = ContinuousClock.now
        do {
            let value = try body()
            time(name, labels, since: start)
            count(counter, labels + [("outcome", "ok")])
            return value
        } catch {
            time(name, labels, since: start)
            count(counter, labels + [("outcome", "error")])
            throw error
        }
    }
}
