import Foundation
import Logging
import PostgresNIO
import SignetQuery

/// The DMS and device registry tables: enrollment policies, devices with their credential
/// slots and events, device groups and import jobs. Every write that changes a device also
/// writes its event in the same transaction.
public struct Registry: Sendable {
    let client: PostgresClient
    let logger: Logger
    let catalog: Catalog

    public init(database: Database) {
        client = database.client
        logger = database.logger
        catalog = Catalog(database: database)
    }

    var lists: ListQuery { ListQuery(client: client, logger: logger) }

    typealias EditError = Catalog.EditError
}

/// What happened to a device: the `kind` of a device event.
public enum DeviceEventKind: String, Sendable, CaseIterable {
    case created = "CREATED"
    case provisioned = "PROVISIONED"
    case reprovisioned = "RE-PROVISIONED"
    case renewed = "RENEWED"
    case shadowUpdated = "SHADOW-UPDATED"
    case statusUpdated = "STATUS-UPDATED"
    case disabled = "DISABLED"
    case enabled = "ENABLED"
    case decommissioned = "DECOMMISSIONED"
}

extension PostgresConnection {
    /// Appends one event to a device's history (inside the caller's transaction).
    func recordEvent(_ kind: DeviceEventKind, device: String, actor: String, detail: String = "", logger: Logger) async throws {
        try await fetch(
            "INSERT INTO device_events (device_id, kind, actor, detail) VALUES (\(device), \(kind.rawValue), \(actor), \(detail))",
            logger: logger
        )
    }

    /// Whether a query returned at least one row.
    func exists(_ query: PostgresQuery, logger: Logger) async throws -> Bool {
        !(try await fetch(query, logger: logger).rows.isEmpty)
    }
}
