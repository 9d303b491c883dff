import Synchronization

/// Label values for metrics, kept to a bounded set.
///
/// A label value becomes a time series in every scraper that reads Signet, for as long as
/// the process lives. Most values Signet labels with are names an operator chose (CA,
/// profile, DMS) or names in the code (routes, rules); some reach a label from a request
/// (the CA id in the path of a refused sign request). The first ``limit`` distinct values
/// of a label are kept; later ones are reported as ``overflow``, so no client can grow the
/// exposition without bound.
public enum MetricLabel {
    /// Distinct values kept per label name.
    public static let limit = 256
    /// What a value past the limit is reported as.
    public static let overflow = "_other"
    /// What a value that named nothing Signet knows is reported as (a CA that does not exist).
    public static let unknown = "_unknown"

    private static let seen = Mutex<[String: Set<String>]>([:])

    /// `value`, or ``overflow`` once `name` has ``limit`` other values.
    public static func bounded(_ name: String, _ value: String) -> String {
        seen.withLock { seen in
            if seen[name, default: []].contains(value) { return value }
            guard seen[name, default: []].count < limit else { return overflow }
            seen[name, default: []].insert(value)
            return value
        }
    }
}
