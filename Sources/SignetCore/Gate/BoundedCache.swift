import Synchronization

/// A small in-process memo shared by concurrent callers: at most `capacity` entries, and
/// emptied whole when full (what it holds, CA certificates and checked profiles, is a handful
/// per deployment; the bound only stops an unbounded stream of distinct keys from growing it).
public final class BoundedCache<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private let entries = Mutex<[Key: Value]>([:])
    public let capacity: Int

    public init(capacity: Int = 256) { self.capacity = capacity }

    public subscript(key: Key) -> Value? {
        get { entries.withLock { $0[key] } }
        set {
            entries.withLock { entries in
                if entries.count >= capacity, entries[key] == nil { entries.removeAll() }
                entries[key] = newValue
            }
        }
    }

    /// The cached value, or `make(key)` stored for next time.
    public func value(_ key: Key, make: (Key) throws -> Value) rethrows -> Value {
        if let known = self[key] { return known }
        let made = try make(key)
        self[key] = made
        return made
    }
}
