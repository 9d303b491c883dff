import Foundation
import PostgresNIO
import SignetQuery

extension Registry {
    static let deviceColumns = """
        d.id, d.dms_owner, d.device_group, d.tags, d.metadata::text, d.enabled, \(DeviceStatus.device), d.created_at, d.updated_at, \
        d.decommissioned_at, d.identity_serial, d.identity_not_after
        """

    /// Column 0 is the list's sort value (a NULL placeholder for single reads).
    static func device(_ row: PostgresRandomAccessRow) throws -> DeviceRow {
        return DeviceRow(
            id: try row.value(0), dmsOwner: try row.value(1), group: try row.value(2), tags: try row.value(3), metadata: Catalog.metadata(try row.value(4, as: String.self)),
            enabled: try row.value(5), status: try row.value(6), createdAt: try row.value(7), updatedAt: try row.value(8), decommissionedAt: try row.value(9),
            identitySerial: try row.value(10), identityNotAfter: try row.value(11)
        )
    }

    /// A page of devices; `scope` adds a group's criteria without putting them in the bookmark.
    public func devices(_ request: ListRequest, scope: [Filter] = []) async throws -> Page<DeviceRow> {
        try await lists.page(request, schema: Schemas.devices, scope: scope, columns: Self.deviceColumns, from: "devices d", id: \.id) {
            try Self.device($0)
        }
    }

    /// One device with its slots and their versions.
    public func device(id: String) async throws -> DeviceRow? {
        var device: DeviceRow?
        let query = PostgresQuery(unsafeSQL: "SELECT NULL::text, \(Self.deviceColumns) FROM devices d WHERE d.id = $1", binds: Catalog.binds(id))
        for try await row in try await client.timedQuery(query, logger: logger) { device = try Self.device(row.makeRandomAccess()) }
        guard var device else { return nil }
        device.slots = try await slots(deviceID: id)
        return device
    }

    func slots(deviceID: String) async throws -> [DeviceSlotRow] {
        var slots: [DeviceSlotRow] = []
        let query = PostgresQuery(
            unsafeSQL: "SELECT s.slot, s.type, s.active_version, s.serial_number, s.secret_ref, \(DeviceStatus.slot), s.not_after FROM device_slots s WHERE s.device_id = $1 ORDER BY s.slot",
            binds: Catalog.binds(deviceID)
        )
        for try await (slot, type, version, serial, secret, status, notAfter) in try await client.timedQuery(query, logger: logger)
            .decode((String, String, Int, String?, String?, String, Date?).self) {
            slots.append(DeviceSlotRow(slot: slot, type: type, activeVersion: version, serialNumber: serial, secretRef: secret, status: status, notAfter: notAfter))
        }
        let versions: PostgresQuery = """
            SELECT slot, version, serial_number, secret_ref, actor, created_at, rollback_of FROM device_slot_versions WHERE device_id = \(deviceID) ORDER BY slot, version
            """
        for try await (slot, version, serial, secret, actor, created, rollbackOf) in try await client.timedQuery(versions, logger: logger)
            .decode((String, Int, String?, String?, String, Date, Int?).self) {
            guard let index = slots.firstIndex(where: { $0.slot == slot }) else { continue }
            slots[index].versions.append(.init(version: version, serialNumber: serial, secretRef: secret, actor: actor, createdAt: created, rollbackOf: rollbackOf))
        }
        return slots
    }

    /// Devices counted by derived status, each count with the very predicate a status filter
    /// uses (one aggregate, which PostgreSQL can split across workers); the filters apply to
    /// everything but status.
    public func deviceStats(_ filters: [Filter], scope: [Filter] = []) async throws -> DeviceStats {
        let condition = ListSQL.condition(scope + filters, schema: Schemas.devices)
        var binds = PostgresBindings(capacity: condition.binds.count)
        binds.append(condition.binds)
        var stats = DeviceStats()
        let counts = DeviceStatus.names.map { "count(*) FILTER (WHERE \(DeviceStatus.derived.predicate($0)))" }.joined(separator: ", ")
        let sql = "SELECT \(counts) FROM devices d WHERE \(condition.sql)"
        for try await row in try await client.timedQuery(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger) {
            let columns = row.makeRandomAccess()
            for (index, status) in DeviceStatus.names.enumerated() {
                let count = try columns[index].decode(Int.self)
                stats.byStatus[status] = count
                stats.total += count
            }
        }
        return stats
    }

    public func events(_ request: ListRequest, deviceID: String) async throws -> Page<DeviceEventRow> {
        try await lists.page(
            request, schema: Schemas.deviceEvents, scope: [Filter(field: "device_id", op: .eq, value: deviceID)],
            columns: "e.id, e.kind, e.at, e.actor, e.detail", from: "device_events e", id: { String(format: "%020lld", $0.id) }
        ) { row in
            DeviceEventRow(id: try row.value(0), kind: try row.value(1), at: try row.value(2), actor: try row.value(3), detail: try row.value(4))
        }
    }

    /// Applies a JSON Patch to a device's metadata and records SHADOW-UPDATED (`detail` says
    /// how: patched or replaced); nil if no such device.
    public func patchDeviceMetadata(id: String, patch: JSONPatch, actor: String, detail: String = "metadata patched") async throws -> JSONValue? {
        let logger = self.logger
        return try await catalog.patchMetadata(table: "devices", idColumn: "id", id: id, patch: patch, alsoSet: "updated_at = now()") { connection in
            try await connection.recordEvent(.shadowUpdated, device: id, actor: actor, detail: detail, logger: logger)
        }
    }
}
