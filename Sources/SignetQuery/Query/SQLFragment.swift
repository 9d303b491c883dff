import Foundation

/// A value bound to a numbered placeholder. Typed so the database driver can send each
/// one with the right wire type; request text only ever travels this way, never
/// inside the SQL string.
public enum SQLValue: Sendable, Hashable {
    case text(String)
    case number(Double)
    case timestamp(Date)
    case textArray([String])
    /// JSON text, for drivers that bind jsonb separately from text.
    case json(String)
}

/// SQL text with `$1, $2, ...` placeholders plus the values for them, in order.
public struct SQLFragment: Sendable, Hashable {
    public var sql: String
    public var binds: [SQLValue]

    public init(sql: String, binds: [SQLValue]) {
        self.sql = sql
        self.binds = binds
    }
}

/// Hands out consecutive placeholders, starting wherever the caller's own statement
/// left off, and collects the matching values.
struct SQLBinder {
    private let first: Int
    private(set) var binds: [SQLValue] = []

    init(first: Int) {
        self.first = first
    }

    mutating func placeholder(_ value: SQLValue) -> String {
        binds.append(value)
        return "$\(first + binds.count - 1)"
    }
}
