import Foundation
import SignetQuery

/// A device to register, already checked by the DMS module's rules.
public struct NewDevice: Sendable {
    public var id: String
    public var dmsOwner: String
    public var group: String?
    public var tags: [String]
    public var metadata: JSONValue

    public init(id: String, dmsOwner: String, group: String? = nil, tags: [String] = [], metadata: JSONValue = .object([:])) {
        self.id = id
        self.dmsOwner = dmsOwner
        self.group = group
        self.tags = tags
        self.metadata = metadata
    }
}

/// A device as read: its derived status is computed by the same SQL that filters by it.
public struct DeviceRow: Sendable {
    public let id: String
    public let dmsOwner: String
    public let group: String?
    public let tags: [String]
    public let metadata: JSONValue
    public let enabled: Bool
    public let status: String
    public let createdAt: Date
    public let updatedAt: Date
    public let decommissionedAt: Date?
    public let identitySerial: String?
    public let identityNotAfter: Date?
    /// Filled only when one device is read.
    public var slots: [DeviceSlotRow] = []
}

/// One credential slot and its history.
public struct DeviceSlotRow: Sendable {
    public let slot: String
    public let type: String
    public let activeVersion: Int
    public let serialNumber: String?
    public let secretRef: String?
    public let status: String
    public let notAfter: Date?
    public var versions: [Version] = []

    public struct Version: Sendable {
        public let version: Int
        public let serialNumber: String?
        public let secretRef: String?
        public let actor: String
        public let createdAt: Date
        /// The earlier version this one repeats, when it was made by a rollback.
        public let rollbackOf: Int?
    }
}

public struct DeviceEventRow: Sendable {
    public let id: Int64
    public let kind: String
    public let at: Date
    public let actor: String
    public let detail: String
}

/// Devices counted by derived status.
public struct DeviceStats: Sendable {
    public var total = 0
    public var byStatus: [String: Int] = Dictionary(uniqueKeysWithValues: DeviceStatus.names.map { ($0, 0) })
}
