import Foundation
import PostgresNIO
import SignetQuery

extension Registry {
    /// Why one device of a registration was not registered.
    public struct Rejection: Sendable, Hashable {
        public enum Kind: Sendable, Hashable {
            /// The DMS it names does not exist.
            case unknownDMS
            /// Its id is registered, retired, or given twice in the request.
            case idTaken
            /// Its DMS requires a group and it names none.
            case missingGroup
            /// It names a device group that does not exist, under a DMS that requires one.
            case unknownGroup
        }

        public let index: Int
        public let kind: Kind
        public let reason: String
    }

    /// Registers devices in one transaction, each with its CREATED event. A device whose DMS
    /// does not exist, whose id is taken or was retired, or that lacks the existing group its
    /// DMS requires (`settings.device_settings.require_group`) is rejected with the reason;
    /// the others are registered. Each DMS and named group row is share-locked so it cannot be
    /// deleted meanwhile.
    public func register(_ devices: [NewDevice], actor: String) async throws -> [Rejection] {
        guard !devices.isEmpty else { return [] }
        return try await client.transaction(logger: logger) { connection in
            try await register(devices, actor: actor, on: connection)
        }
    }

    func register(_ devices: [NewDevice], actor: String, on connection: PostgresConnection) async throws -> [Rejection] {
        let ids = devices.map(\.id)
        let owners = Array(Set(devices.map(\.dmsOwner))).sorted()
        let requiring = try await dmsRequiringGroups(owners, on: connection)
        let knownDMS = Set(requiring.keys)
        let groups = try await existingGroups(Set(devices.compactMap(\.group)), on: connection)
        var taken: [String: String] = [:]
        for (id, reason) in try await connection.rows(TakenIDs(ids: ids), small: ids.count == 1, logger: logger) { taken[id] = reason }

        var rejections: [Rejection] = []
        var accepted: [NewDevice] = []
        var acceptedIndices: [Int] = []
        var seen = Set<String>()
        for (index, device) in devices.enumerated() {
            if !knownDMS.contains(device.dmsOwner) {
                rejections.append(Rejection(index: index, kind: .unknownDMS, reason: "dms_owner '\(device.dmsOwner)' is not a DMS"))
            } else if requiring[device.dmsOwner] == true, let problem = Self.groupProblem(device.group, dms: device.dmsOwner, existing: groups) {
                rejections.append(Rejection(index: index, kind: problem.kind, reason: problem.reason))
            } else if let reason = taken[device.id] {
                rejections.append(Rejection(index: index, kind: .idTaken, reason: "device '\(device.id)' \(reason)"))
            } else if !seen.insert(device.id).inserted {
                rejections.append(Rejection(index: index, kind: .idTaken, reason: "device '\(device.id)' appears twice in this registration"))
            } else {
                accepted.append(device)
                acceptedIndices.append(index)
            }
        }
        guard !accepted.isEmpty else { return rejections }

        var inserted = Set<String>()
        for id in try await connection.rows(DeviceInsert(devices: accepted, actor: actor), small: accepted.count == 1, logger: logger) { inserted.insert(id) }
        // A concurrent registration took the id between the check and the insert.
        for (index, device) in zip(acceptedIndices, accepted) where !inserted.contains(device.id) {
            rejections.append(Rejection(index: index, kind: .idTaken, reason: "device '\(device.id)' is already registered"))
        }
        return rejections.sorted { $0.index < $1.index }
    }
}

extension Registry {
    /// The DMSs among `ids` that exist, share-locked, each with whether it requires its
    /// devices to be in a group.
    func dmsRequiringGroups(_ ids: [String], on connection: PostgresConnection) async throws -> [String: Bool] {
        var found: [String: Bool] = [:]
        for (id, requires) in try await connection.rows(DMSGroupRequirement(ids: ids), small: ids.count == 1, logger: logger) { found[id] = requires }
        return found
    }

    /// The device groups among `ids` that exist, share-locked so that none is deleted
    /// before the devices naming it commit.
    func existingGroups(_ ids: Set<String>, on connection: PostgresConnection) async throws -> Set<String> {
        guard !ids.isEmpty else { return [] }
        var found = Set<String>()
        let query: PostgresQuery = "SELECT id FROM device_groups WHERE id = ANY(\(ids.sorted())) ORDER BY id FOR SHARE"
        for try await id in try await connection.fetch(query, logger: logger).decode(String.self) { found.insert(id) }
        return found
    }

    /// Why a device's group does not satisfy a DMS that requires one; nil when it does.
    static func groupProblem(_ group: String?, dms: String, existing: Set<String>) -> (kind: Rejection.Kind, reason: String)? {
        guard let group else {
            return (.missingGroup, "group: is required: DMS '\(dms)' puts every device in a device group (settings.device_settings.require_group)")
        }
        guard existing.contains(group) else {
            return (.unknownGroup, "group: '\(group)' is not a device group, and DMS '\(dms)' requires an existing one")
        }
        return nil
    }
}

/// Registration's statements, prepared: every JITP enrollment registers a device, and
/// PostgreSQL planned each of them anew every time. Their arrays keep the text the same for
/// one device and a CSV import alike.
extension Registry {
    /// Ids among `ids` that are registered or retired, with why each cannot be used.
    struct TakenIDs: IDListStatement {
        static let sql = """
            SELECT id, 'is already registered' FROM devices WHERE id = ANY($1::text[])
            UNION ALL SELECT id, 'belonged to a decommissioned device; device ids are never reused' FROM retired_device_ids WHERE id = ANY($1::text[])
            """
        let ids: [String]

        func decodeRow(_ row: PostgresRow) throws -> (String, String) { try row.decode((String, String).self) }
    }

    /// The DMSs among `ids` that exist, share-locked, with whether each requires a group.
    struct DMSGroupRequirement: IDListStatement {
        static let sql = """
            SELECT id, coalesce(settings #>> '{device_settings,require_group}' = 'true', false)
            FROM dms WHERE id = ANY($1::text[]) ORDER BY id FOR SHARE
            """
        let ids: [String]

        func decodeRow(_ row: PostgresRow) throws -> (String, Bool) { try row.decode((String, Bool).self) }
    }

    /// The devices and their CREATED events in one statement; the events' foreign key is
    /// checked at its end, when the devices exist. Returns the ids inserted (a concurrent
    /// registration may have taken one since the check).
    struct DeviceInsert: PostgresPreparedStatement {
        static let sql = """
            WITH created AS (
                INSERT INTO devices (id, dms_owner, device_group, tags, metadata)
                SELECT r.id, r.dms, NULLIF(r.grp, ''), string_to_array(r.tags, ','), r.meta::jsonb
                FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) AS r(id, dms, grp, tags, meta)
                ON CONFLICT (id) DO NOTHING RETURNING id),
            events AS (INSERT INTO device_events (device_id, kind, actor, detail) SELECT id, 'CREATED', $6::text, '' FROM created ORDER BY id)
            SELECT id FROM created
            """
        let devices: [NewDevice]
        let actor: String

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 6)
            bindings.append(devices.map(\.id))
            bindings.append(devices.map(\.dmsOwner))
            bindings.append(devices.map { $0.group ?? "" })
            bindings.append(devices.map { $0.tags.joined(separator: ",") })
            bindings.append(devices.map { String(decoding: $0.metadata.encoded(), as: UTF8.self) })
            bindings.append(actor)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> String { try row.decode(String.self) }
    }
}
