import Foundation
import PostgresNIO

extension Registry {
    /// Makes a certificate the active version of a device's slot (`identity` for the
    /// device's identity). The certificate must be active, unexpired and on no other
    /// device; the device must not be decommissioned. The window boundaries come from the
    /// owning DMS, and for the identity slot are copied onto the device, all in one
    /// transaction with the new version and its event.
    /// `rollbackOf` names the earlier version a rollback repeats (recorded with the new version).
    ///
    /// Every EST enrollment and renewal binds, so the transaction is two statements: one
    /// reads (and locks) everything the checks need, one writes the slot, the device, the
    /// version and the event.
    public func bindCertificate(
        deviceID: String, slot: String = "identity", serialNumber: String, binding: SlotBinding, actor: String, rollbackOf: Int? = nil
    ) async throws -> BindOutcome {
        try await client.transaction(logger: logger) { connection in
            let state = try await bindingState(deviceID: deviceID, slot: slot, serialNumber: serialNumber, on: connection)
            let windows = try state.check(deviceID: deviceID, slot: slot, serialNumber: serialNumber)
            let version = (state.previous?.version ?? 0) + 1
            let event = binding.event(version: version)
            let detail = Self.versionDetail(slot: slot, version: version, rollbackOf: rollbackOf, "certificate \(serialNumber)")
            try await connection.query(Self.bindWrite(
                deviceID: deviceID, slot: slot, serialNumber: serialNumber, version: version, windows: windows,
                actor: actor, rollbackOf: rollbackOf, event: event, detail: detail
            ), logger: logger)
            return BindOutcome(event: event, version: version, previousSerial: state.previous?.credential)
        }
    }

    /// What a binding's checks read, in one statement: the device (locked for update), its
    /// DMS's windows and the certificate (share-locked so neither changes before commit),
    /// another slot holding the certificate, and the slot's active version.
    struct BindingState {
        var device: (enabled: Bool, decommissioned: Bool, owner: String)?
        var windows: (preventive: Double, critical: Double)?
        var certificate: (status: String, expired: Bool)?
        var holder: (device: String, slot: String)?
        var previous: (credential: String?, version: Int, type: String)?

        /// The checks, in the order their refusals are reported; the DMS windows when all pass.
        func check(deviceID: String, slot: String, serialNumber: String) throws -> (preventive: Double, critical: Double) {
            let device = try Registry.writable(device, deviceID: deviceID)
            guard let windows else { throw EditError.conflict("device '\(deviceID)' belongs to DMS '\(device.owner)', which no longer exists") }
            guard let certificate else { throw EditError.invalid("no certificate with serial \(serialNumber)") }
            guard certificate.status == "ACTIVE" else { throw EditError.invalid("certificate \(serialNumber) is \(certificate.status.lowercased())") }
            guard !certificate.expired else { throw EditError.invalid("certificate \(serialNumber) has expired") }
            if let holder { throw EditError.conflict("certificate \(serialNumber) is already bound to device '\(holder.device)' (slot \(holder.slot))") }
            if let previous {
                try Registry.checkSlotType(slot, holds: previous.type, wanted: "x509")
                if previous.credential == serialNumber { throw EditError.conflict("certificate \(serialNumber) is already the active version of slot \(slot)") }
            }
            return windows
        }
    }

    func bindingState(deviceID: String, slot: String, serialNumber: String, on connection: PostgresConnection) async throws -> BindingState {
        // Each locked row is read in a materialized CTE, so the outer joins that collect
        // them into one row never lock a nullable side.
        let query: PostgresQuery = """
            WITH d AS MATERIALIZED (SELECT enabled, decommissioned_at IS NOT NULL AS decommissioned, dms_owner FROM devices WHERE id = \(deviceID) FOR UPDATE),
            m AS MATERIALIZED (
                SELECT extract(epoch FROM preventive_delta)::float8 AS preventive, extract(epoch FROM critical_delta)::float8 AS critical
                FROM dms WHERE id = (SELECT dms_owner FROM d) FOR SHARE),
            c AS MATERIALIZED (SELECT status, not_after <= now() AS expired FROM certificates WHERE serial_number = \(serialNumber) FOR SHARE),
            h AS MATERIALIZED (
                SELECT device_id, slot FROM device_slot_versions
                WHERE serial_number = \(serialNumber) AND NOT (device_id = \(deviceID) AND slot = \(slot)) LIMIT 1),
            s AS MATERIALIZED (
                SELECT coalesce(serial_number, secret_ref) AS credential, active_version, type FROM device_slots
                WHERE device_id = \(deviceID) AND slot = \(slot))
            SELECT d.enabled, d.decommissioned, d.dms_owner, m.preventive, m.critical, c.status, c.expired,
                   h.device_id, h.slot, s.credential, s.active_version, s.type
            FROM (SELECT 1) AS one LEFT JOIN d ON true LEFT JOIN m ON true LEFT JOIN c ON true LEFT JOIN h ON true LEFT JOIN s ON true
            """
        var state = BindingState()
        let rows = try await connection.query(query, logger: logger)
            .decode((Bool?, Bool?, String?, Double?, Double?, String?, Bool?, String?, String?, String?, Int?, String?).self)
        for try await row in rows {
            if let enabled = row.0, let decommissioned = row.1, let owner = row.2 { state.device = (enabled, decommissioned, owner) }
            if let preventive = row.3, let critical = row.4 { state.windows = (preventive, critical) }
            if let status = row.5, let expired = row.6 { state.certificate = (status, expired) }
            if let device = row.7, let held = row.8 { state.holder = (device, held) }
            if let version = row.10, let type = row.11 { state.previous = (row.9, version, type) }
        }
        return state
    }

    /// One statement: the slot inserted or moved to the certificate with its windows, the
    /// identity copied onto the device, the version added to the history and its event.
    /// The foreign keys between them are checked at the statement's end, when all exist.
    static func bindWrite(
        deviceID: String, slot: String, serialNumber: String, version: Int, windows: (preventive: Double, critical: Double),
        actor: String, rollbackOf: Int?, event: DeviceEventKind, detail: String
    ) -> PostgresQuery {
        """
        WITH c AS (
            SELECT not_after, not_after - make_interval(secs => \(windows.preventive)) AS preventive_at,
                   not_after - make_interval(secs => \(windows.critical)) AS critical_at
            FROM certificates WHERE serial_number = \(serialNumber)),
        slot AS (
            INSERT INTO device_slots (device_id, slot, type, active_version, serial_number, revoked, not_after, preventive_at, critical_at)
            SELECT \(deviceID), \(slot), 'x509', \(version), \(serialNumber), false, c.not_after, c.preventive_at, c.critical_at FROM c
            ON CONFLICT (device_id, slot) DO UPDATE SET serial_number = excluded.serial_number, active_version = excluded.active_version,
                type = 'x509', updated_at = now(), revoked = false,
                not_after = excluded.not_after, preventive_at = excluded.preventive_at, critical_at = excluded.critical_at
            RETURNING 1),
        identity AS (
            UPDATE devices d SET identity_serial = \(serialNumber), identity_revoked = false, identity_not_after = c.not_after,
                preventive_at = c.preventive_at, critical_at = c.critical_at, updated_at = now()
            FROM c WHERE d.id = \(deviceID) AND \(slot) = 'identity'
            RETURNING 1),
        history AS (
            INSERT INTO device_slot_versions (device_id, slot, version, serial_number, secret_ref, actor, rollback_of)
            VALUES (\(deviceID), \(slot), \(version), \(serialNumber), NULL, \(actor), \(rollbackOf))
            RETURNING 1)
        INSERT INTO device_events (device_id, kind, actor, detail) VALUES (\(deviceID), \(event.rawValue), \(actor), \(detail))
        """
    }
}
