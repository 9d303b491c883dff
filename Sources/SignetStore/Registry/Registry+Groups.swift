import Foundation
import PostgresNIO
import SignetQuery

/// A device group: a name, an optional parent and criteria in the devices' query language.
public struct DeviceGroupRecord: Sendable {
    public var id: String
    public var name: String
    public var description: String
    public var parentID: String?
    /// Filters as written (`tags[eq]line-3`), ANDed.
    public var criteria: [String]
    public var createdAt = Date()
    public var updatedAt = Date()

    public init(id: String, name: String, description: String, parentID: String?, criteria: [String]) {
        self.id = id
        self.name = name
        self.description = description
        self.parentID = parentID
        self.criteria = criteria
    }
}

extension Registry {
    static let groupColumns = "g.id, g.name, g.description, g.parent_id, g.criteria, g.created_at, g.updated_at"

    /// Column 0 is the list's sort value (a NULL placeholder for single reads).
    static func group(_ row: PostgresRandomAccessRow) throws -> DeviceGroupRecord {
        var group = DeviceGroupRecord(id: try row.value(0), name: try row.value(1), description: try row.value(2), parentID: try row.value(3), criteria: try row.value(4))
        group.createdAt = try row.value(5)
        group.updatedAt = try row.value(6)
        return group
    }

    public func groups(_ request: ListRequest) async throws -> Page<DeviceGroupRecord> {
        try await lists.page(request, schema: Schemas.deviceGroups, columns: Self.groupColumns, from: "device_groups g", id: \.id) { try Self.group($0) }
    }

    public func group(id: String) async throws -> DeviceGroupRecord? {
        let query = PostgresQuery(unsafeSQL: "SELECT NULL::text, \(Self.groupColumns) FROM device_groups g WHERE g.id = $1", binds: Catalog.binds(id))
        for try await row in try await client.timedQuery(query, logger: logger) { return try Self.group(row.makeRandomAccess()) }
        return nil
    }

    /// The criteria a member of the group satisfies: its own and every ancestor's. Nil if
    /// there is no such group.
    public func membershipCriteria(groupID: String) async throws -> [String]? {
        var found = false
        var criteria: [String] = []
        let chain: PostgresQuery = """
            WITH RECURSIVE chain(id, parent_id, criteria, depth) AS (
                SELECT id, parent_id, criteria, 0 FROM device_groups WHERE id = \(groupID)
                UNION ALL SELECT g.id, g.parent_id, g.criteria, c.depth + 1 FROM device_groups g JOIN chain c ON g.id = c.parent_id WHERE c.depth < 64
            ) SELECT criteria FROM chain ORDER BY depth DESC
            """
        for try await own in try await client.timedQuery(chain, logger: logger).decode([String].self) {
            found = true
            criteria += own
        }
        return found ? criteria : nil
    }

    /// Creates or replaces a group. Writers take one table lock so that two concurrent
    /// re-parentings cannot build a cycle between them; the parent chain is checked inside it.
    public func saveGroup(_ group: DeviceGroupRecord, create: Bool) async throws {
        try await client.transaction(logger: logger) { connection in
            try await connection.fetch("LOCK TABLE device_groups IN SHARE ROW EXCLUSIVE MODE", logger: logger)
            let exists = try await connection.exists("SELECT id FROM device_groups WHERE id = \(group.id)", logger: logger)
            if create, exists { throw EditError.conflict("a device group with id '\(group.id)' already exists; use PUT to change it") }
            if !create, !exists { throw EditError.notFound("no device group with id '\(group.id)'") }
            if let parent = group.parentID {
                var path: [String] = []
                let ancestors: PostgresQuery = """
                    WITH RECURSIVE chain(id, parent_id, depth) AS (
                        SELECT id, parent_id, 0 FROM device_groups WHERE id = \(parent)
                        UNION ALL SELECT g.id, g.parent_id, c.depth + 1 FROM device_groups g JOIN chain c ON g.id = c.parent_id WHERE c.depth < 64
                    ) SELECT id FROM chain ORDER BY depth
                    """
                for try await id in try await connection.fetch(ancestors, logger: logger).decode(String.self) { path.append(id) }
                guard !path.isEmpty else { throw EditError.invalid("parent_id '\(parent)' is not a device group") }
                if let loop = path.firstIndex(of: group.id) {
                    let cycle = ([group.id] + path[...loop]).joined(separator: " → ")
                    throw EditError.conflict("parent_id '\(parent)' would make a cycle: \(cycle)")
                }
            }
            if create {
                try await connection.fetch(
                    "INSERT INTO device_groups (id, name, description, parent_id, criteria) VALUES (\(group.id), \(group.name), \(group.description), \(group.parentID), \(group.criteria))",
                    logger: logger
                )
            } else {
                try await connection.fetch(
                    "UPDATE device_groups SET name = \(group.name), description = \(group.description), parent_id = \(group.parentID), criteria = \(group.criteria), updated_at = now() WHERE id = \(group.id)",
                    logger: logger
                )
            }
        }
    }

    /// Deletes a group that has no child groups and is not the required group of a live device.
    public func deleteGroup(id: String) async throws {
        try await client.transaction(logger: logger) { connection in
            try await connection.fetch("LOCK TABLE device_groups IN SHARE ROW EXCLUSIVE MODE", logger: logger)
            var children: [String] = []
            for try await child in try await connection.fetch("SELECT id FROM device_groups WHERE parent_id = \(id) ORDER BY id", logger: logger).decode(String.self) {
                children.append(child)
            }
            guard children.isEmpty else { throw EditError.conflict("device group '\(id)' is the parent of \(children.joined(separator: ", "))") }
            var members = 0
            let required: PostgresQuery = """
                SELECT count(*) FROM devices d JOIN dms m ON m.id = d.dms_owner
                WHERE d.device_group = \(id) AND d.decommissioned_at IS NULL AND m.settings #>> '{device_settings,require_group}' = 'true'
                """
            for try await count in try await connection.fetch(required, logger: logger).decode(Int.self) { members = count }
            guard members == 0 else {
                throw EditError.conflict("device group '\(id)' holds \(members) device(s) of DMSs that require a group; move them first")
            }
            guard try await connection.exists("DELETE FROM device_groups WHERE id = \(id) RETURNING id", logger: logger) else {
                throw EditError.notFound("no device group with id '\(id)'")
            }
        }
    }
}
