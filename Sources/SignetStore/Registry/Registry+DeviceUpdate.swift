import Foundation
import PostgresNIO
import SignetQuery

/// A change to a registered device: each member that is set replaces the device's value.
public struct DeviceChange: Sendable {
    public var tags: [String]?
    public var metadata: JSONValue?
    /// `.some(nil)` takes the device out of its group.
    public var group: String??
    public var dmsOwner: String?

    public init(tags: [String]? = nil, metadata: JSONValue? = nil, group: String?? = nil, dmsOwner: String? = nil) {
        self.tags = tags
        self.metadata = metadata
        self.group = group
        self.dmsOwner = dmsOwner
    }
}

extension Registry {
    /// Changes a device's tags, metadata, group or DMS in one transaction, with one
    /// SHADOW-UPDATED event for each field whose value changed (naming old and new). The
    /// target DMS must exist and a group named must be an existing device group; a DMS that
    /// requires a group (`settings.device_settings.require_group`) gets one. Moving to
    /// another DMS moves the device's window boundaries to that DMS's windows, as a DMS
    /// update does. Returns what changed.
    @discardableResult
    public func updateDevice(id: String, _ change: DeviceChange, actor: String) async throws -> [String] {
        try await client.transaction(logger: logger) { connection in
            var found: (owner: String, group: String?, tags: [String], metadata: String, decommissioned: Bool)?
            for try await row in try await connection.fetch(
                "SELECT dms_owner, device_group, tags, metadata::text, decommissioned_at IS NOT NULL FROM devices WHERE id = \(id) FOR UPDATE", logger: logger
            ).decode((String, String?, [String], String, Bool).self) { found = row }
            guard let current = found else { throw EditError.notFound("no device with id '\(id)'") }
            guard !current.decommissioned else { throw EditError.conflict("device '\(id)' is decommissioned; it cannot be changed") }

            let owner = change.dmsOwner ?? current.owner
            let group = change.group ?? current.group
            guard let requiresGroup = try await dmsRequiringGroups([owner], on: connection)[owner] else {
                throw EditError.invalid("dms_owner: '\(owner)' is not a DMS")
            }
            let existing = try await existingGroups(Set([group].compactMap { $0 }), on: connection)
            if case let named?? = change.group, !existing.contains(named) {
                throw EditError.invalid("group: '\(named)' is not a device group")
            }
            if requiresGroup, let problem = Self.groupProblem(group, dms: owner, existing: existing) {
                throw EditError.invalid(problem.reason)
            }

            var changes: [String] = []
            let tags = change.tags ?? current.tags
            if tags != current.tags { changes.append("tags [\(current.tags.joined(separator: ", "))] → [\(tags.joined(separator: ", "))]") }
            let currentMetadata = Catalog.metadata(current.metadata)
            let metadata = change.metadata ?? currentMetadata
            let encoded = try Catalog.limitedMetadata(metadata)
            if metadata != currentMetadata { changes.append("metadata replaced") }
            func quoted(_ group: String?) -> String { group.map { "'\($0)'" } ?? "none" }
            if group != current.group { changes.append("group \(quoted(current.group)) → \(quoted(group))") }
            if owner != current.owner { changes.append("dms_owner '\(current.owner)' → '\(owner)'") }
            guard !changes.isEmpty else { return [] }

            try await connection.fetch(
                """
                UPDATE devices SET dms_owner = \(owner), device_group = \(group), tags = \(tags), metadata = \(String(decoding: encoded, as: UTF8.self))::jsonb,
                    updated_at = now()
                WHERE id = \(id)
                """,
                logger: logger
            )
            if owner != current.owner { try await moveWindows(deviceID: id, to: owner, on: connection) }
            for detail in changes { try await connection.recordEvent(.shadowUpdated, device: id, actor: actor, detail: detail, logger: logger) }
            return changes
        }
    }

    /// Recomputes a device's and its slots' window boundaries from the windows of DMS `owner`.
    func moveWindows(deviceID: String, to owner: String, on connection: PostgresConnection) async throws {
        try await connection.fetch(
            """
            UPDATE devices d SET preventive_at = d.identity_not_after - m.preventive_delta, critical_at = d.identity_not_after - m.critical_delta
            FROM dms m WHERE m.id = \(owner) AND d.id = \(deviceID) AND d.identity_serial IS NOT NULL
            """,
            logger: logger
        )
        try await connection.fetch(
            """
            UPDATE device_slots s SET preventive_at = s.not_after - m.preventive_delta, critical_at = s.not_after - m.critical_delta
            FROM dms m WHERE m.id = \(owner) AND s.device_id = \(deviceID) AND s.not_after IS NOT NULL
            """,
            logger: logger
        )
    }
}
