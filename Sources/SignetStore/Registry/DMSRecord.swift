import Foundation
import SignetQuery

/// A DMS as stored: its settings exactly as written (already read strictly and checked) and
/// the two windows that the devices' status derives from.
public struct DMSRecord: Sendable {
    public var id: String
    public var name: String
    public var settings: JSONValue
    public var preventiveDelta: TimeInterval
    public var criticalDelta: TimeInterval
    public var metadata: JSONValue
    public var createdAt: Date
    public var updatedAt: Date

    public init(id: String, name: String, settings: JSONValue, preventiveDelta: TimeInterval, criticalDelta: TimeInterval, metadata: JSONValue = .object([:])) {
        self.id = id
        self.name = name
        self.settings = settings
        self.preventiveDelta = preventiveDelta
        self.criticalDelta = criticalDelta
        self.metadata = metadata
        createdAt = Date()
        updatedAt = createdAt
    }
}
