import Foundation
import SignetDMS
import SignetQuery
import SignetStore

/// A DMS as the API shows it.
struct DMSResource: Encodable {
    let id: String
    let name: String
    let metadata: JSONValue
    let settings: JSONValue
    let createdAt: Date
    let updatedAt: Date

    enum CodingKeys: String, CodingKey { case id, name, metadata, settings, createdAt = "created_at", updatedAt = "updated_at" }

    init(_ record: DMSRecord) {
        id = record.id
        name = record.name
        metadata = record.metadata
        // Read back through the settings reader so that a DMS stored before a setting existed
        // shows that setting's default too: the answer is always the effective settings.
        settings = (try? DMSSettings(reading: record.settings).json) ?? record.settings
        createdAt = record.createdAt
        updatedAt = record.updatedAt
    }
}

/// A device: its derived status, the enabled flag (separate from status), its identity and,
/// when one device is read, every slot with its versions.
struct DeviceResource: Encodable {
    let id: String
    let dmsOwner: String
    let group: String?
    let tags: [String]
    let metadata: JSONValue
    let status: String
    let enabled: Bool
    let createdAt: Date
    let updatedAt: Date
    let decommissionedAt: Date?
    let identity: Identity?
    let slots: [SlotResource]?

    struct Identity: Encodable {
        let serialNumber: String
        let validTo: Date
        enum CodingKeys: String, CodingKey { case serialNumber = "serial_number", validTo = "valid_to" }
    }

    enum CodingKeys: String, CodingKey {
        case id, group, tags, metadata, status, enabled, identity, slots
        case dmsOwner = "dms_owner", createdAt = "created_at", updatedAt = "updated_at", decommissionedAt = "decommissioned_at"
    }

    init(_ row: DeviceRow, withSlots: Bool) {
        id = row.id
        dmsOwner = row.dmsOwner
        group = row.group
        tags = row.tags
        metadata = row.metadata
        status = row.status
        enabled = row.enabled
        createdAt = row.createdAt
        updatedAt = row.updatedAt
        decommissionedAt = row.decommissionedAt
        identity = zip(row.identitySerial, row.identityNotAfter).map { Identity(serialNumber: $0, validTo: $1) }
        slots = withSlots ? row.slots.map(SlotResource.init) : nil
    }
}

private func zip<A, B>(_ a: A?, _ b: B?) -> (A, B)? {
    guard let a, let b else { return nil }
    return (a, b)
}

struct SlotResource: Encodable {
    let slot: String
    let type: String
    let activeVersion: Int
    let serialNumber: String?
    let secretRef: String?
    let status: String
    let validTo: Date?
    let versions: [Version]

    struct Version: Encodable {
        let version: Int
        let serialNumber: String?
        let secretRef: String?
        let actor: String
        let createdAt: Date
        let rollbackOf: Int?
        enum CodingKeys: String, CodingKey {
            case version, actor, serialNumber = "serial_number", secretRef = "secret_ref", createdAt = "created_at", rollbackOf = "rollback_of"
        }
    }

    enum CodingKeys: String, CodingKey {
        case slot, type, status, versions
        case activeVersion = "active_version", serialNumber = "serial_number", secretRef = "secret_ref", validTo = "valid_to"
    }

    init(_ row: DeviceSlotRow) {
        slot = row.slot
        type = row.type
        activeVersion = row.activeVersion
        serialNumber = row.serialNumber
        secretRef = row.secretRef
        status = row.status
        validTo = row.notAfter
        versions = row.versions.map {
            Version(version: $0.version, serialNumber: $0.serialNumber, secretRef: $0.secretRef, actor: $0.actor, createdAt: $0.createdAt, rollbackOf: $0.rollbackOf)
        }
    }
}

struct DeviceEventResource: Encodable {
    let id: Int64
    let kind: String
    let at: Date
    let actor: String
    let detail: String

    init(_ row: DeviceEventRow) {
        id = row.id
        kind = row.kind
        at = row.at
        actor = row.actor
        detail = row.detail
    }
}

struct DeviceStatsResource: Encodable {
    let total: Int
    let status: [String: Int]
    init(_ stats: DeviceStats) {
        total = stats.total
        status = stats.byStatus
    }
}

struct DeviceGroupResource: Encodable {
    let id: String
    let name: String
    let description: String
    let parentID: String?
    let criteria: [String]
    let createdAt: Date
    let updatedAt: Date

    enum CodingKeys: String, CodingKey { case id, name, description, criteria, parentID = "parent_id", createdAt = "created_at", updatedAt = "updated_at" }

    init(_ record: DeviceGroupRecord) {
        id = record.id
        name = record.name
        description = record.description
        parentID = record.parentID
        criteria = record.criteria
        createdAt = record.createdAt
        updatedAt = record.updatedAt
    }
}

struct JobResource: Encodable {
    /// Lowercase, as in the job's URL.
    let id: String
    let kind: String
    let status: String
    let totalRows: Int
    let processedRows: Int
    let succeeded: Int
    let failed: Int
    let message: String?
    let createdAt: Date
    let startedAt: Date?
    let finishedAt: Date?
    let errors: [RowError]

    struct RowError: Encodable {
        let row: Int
        let message: String
    }

    enum CodingKeys: String, CodingKey {
        case id, kind, status, succeeded, failed, message, errors
        case totalRows = "total_rows", processedRows = "processed_rows", createdAt = "created_at", startedAt = "started_at", finishedAt = "finished_at"
    }

    init(_ row: JobRow) {
        id = row.id.uuidString.lowercased()
        kind = row.kind
        status = row.status
        totalRows = row.totalRows
        processedRows = row.processedRows
        succeeded = row.succeeded
        failed = row.failed
        message = row.message
        createdAt = row.createdAt
        startedAt = row.startedAt
        finishedAt = row.finishedAt
        errors = row.errors.map { RowError(row: $0.row, message: $0.message) }
    }
}
