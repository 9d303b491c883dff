import Foundation
import Logging
import Synchronization

/// How `signet serve` writes its log.
public enum LogFormat: String, Sendable {
    /// swift-log's human-readable lines.
    case text
    /// One JSON object per line: `time`, `level`, `message`, `logger`, then the metadata
    /// (`request_id`, `route`, `actor`, `ca`, `serial`, `dms`, `device`, … where they apply).
    case json
}

/// A log handler that writes one JSON object per line to standard error.
///
/// Every value is a JSON string, escaped by `JSONSerialization`, so a message or a metadata
/// value carrying a newline or a quote (a client's CN, a path) cannot forge a second record.
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    let label: String

    public init(label: String) {
        self.label = label
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var object: [String: String] = [:]
        for (key, value) in metadata { object[key] = "\(value)" }
        for (key, value) in event.metadata ?? [:] { object[key] = "\(value)" }
        object["time"] = Self.timestamp(Date())
        object["level"] = event.level.rawValue
        object["message"] = "\(event.message)"
        object["logger"] = label
        guard var line = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) else { return }
        line.append(0x0A)
        Self.output.withLock { _ in FileHandle.standardError.write(line) }
    }

    /// One writer at a time, so lines from concurrent tasks never interleave.
    private static let output = Mutex(())

    static func timestamp(_ date: Date) -> String {
        date.formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted))
    }
}
