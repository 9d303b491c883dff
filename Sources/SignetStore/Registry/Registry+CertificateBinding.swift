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
            _ = try await connection.rows(BindWrite(
                deviceID: deviceID, slot: slot, serialNumber: serialNumber, version: version, windows: windows,
                actor: actor, rollbackOf: rollbackOf, event: event, detail: detail
            ), small: true, logger: logger)
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
        var state = BindingState()
        for row in try await connection.rows(BindingRead(deviceID: deviceID, slot: slot, serialNumber: serialNumber), small: true, logger: logger) {
            if let enabled = row.0, let decommissioned = row.1, let owner = row.2 { state.device = (enabled, decommissioned, owner) }
            if let preventive = row.3, let critical = row.4 { state.windows = (preventive, critical) }
            if let status = row.5, let expired = row.6 { state.certificate = (status, expired) }
            if let device = row.7, let held = row.8 { state.holder = (device, held) }
            if let version = row.10, let type = row.11 { state.previous = (row.9, version, type) }
        }
        return state
    }

    /// The binding's locked read, prepared: PostgreSQL planned its five CTEs on every
    /// enrollment (about 1 ms of planning, more than executing it).
    struct BindingRead: PostgresPreparedStatement {
        // Each locked row is read in a materialized CTE, so the outer joins that collect
        // them into one row never lock a nullable side.
        static let sql = """
            WITH d AS MATERIALIZED (SELECT enabled, decommissioned_at IS NOT NULL AS decommissioned, dms_owner FROM devices WHERE id = $1::text FOR UPDATE),
            m AS MATERIALIZED (
                SELECT extract(epoch FROM preventive_delta)::float8 AS preventive, extract(epoch FROM critical_delta)::float8 AS critical
                FROM dms WHERE id = (SELECT dms_owner FROM d) FOR SHARE),
            c AS MATERIALIZED (SELECT status, not_after <= now() AS expired FROM certificates WHERE serial_number = $3::text FOR SHARE),
            h AS MATERIALIZED (
                SELECT device_id, slot FROM device_slot_versions
                WHERE serial_number = $3::text AND NOT (device_id = $1::text AND slot = $2::text) LIMIT 1),
            s AS MATERIALIZED (
                SELECT coalesce(serial_number, secret_ref) AS credential, active_version, type FROM device_slots
                WHERE device_id = $1::text AND slot = $2::text)
            SELECT d.enabled, d.decommissioned, d.dms_owner, m.preventive, m.critical, c.status, c.expired,
                   h.device_id, h.slot, s.credential, s.active_version, s.type
            FROM (SELECT 1) AS one LEFT JOIN d ON true LEFT JOIN m ON true LEFT JOIN c ON true LEFT JOIN h ON true LEFT JOIN s ON true
            """
        typealias Row = (Bool?, Bool?, String?, Double?, Double?, String?, Bool?, String?, String?, String?, Int?, String?)
        let deviceID: String, slot: String, serialNumber: String

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 3)
            bindings.append(deviceID)
            bindings.append(slot)
            bindings.append(serialNumber)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
    }

    /// One statement, prepared: the slot inserted or moved to the certificate with its
    /// windows, the identity copied onto the device, the version added to the history and
    /// its event. The foreign keys between them are checked at the statement's end, when
    /// all exist.
    struct BindWrite: PreparedWrite {
        static let sql = """
            WITH c AS (
                SELECT not_after, not_after - make_interval(secs => $5::float8) AS preventive_at,
                       not_after - make_interval(secs => $6::float8) AS critical_at
                FROM certificates WHERE serial_number = $3::text),
            slot AS (
                INSERT INTO device_slots (device_id, slot, type, active_version, serial_number, revoked, not_after, preventive_at, critical_at)
                SELECT $1::text, $2::text, 'x509', $4::bigint, $3::text, false, c.not_after, c.preventive_at, c.critical_at FROM c
                ON CONFLICT (device_id, slot) DO UPDATE SET serial_number = excluded.serial_number, active_version = excluded.active_version,
                    type = 'x509', updated_at = now(), revoked = false,
                    not_after = excluded.not_after, preventive_at = excluded.preventive_at, critical_at = excluded.critical_at
                RETURNING 1),
            identity AS (
                UPDATE devices d SET identity_serial = $3::text, identity_revoked = false, identity_not_after = c.not_after,
                    preventive_at = c.preventive_at, critical_at = c.critical_at, updated_at = now()
                FROM c WHERE d.id = $1::text AND $2::text = 'identity'
                RETURNING 1),
            history AS (
                INSERT INTO device_slot_versions (device_id, slot, version, serial_number, secret_ref, actor, rollback_of)
                VALUES ($1::text, $2::text, $4::bigint, $3::text, NULL, $7::text, $8::bigint)
                RETURNING 1)
            INSERT INTO device_events (device_id, kind, actor, detail) VALUES ($1::text, $9::text, $7::text, $10::text)
            """
        let deviceID: String, slot: String, serialNumber: String, version: Int
        let windows: (preventive: Double, critical: Double)
        let actor: String, rollbackOf: Int?, event: DeviceEventKind, detail: String

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 10)
            bindings.append(deviceID)
            bindings.append(slot)
            bindings.append(serialNumber)
            bindings.append(version)
            bindings.append(windows.preventive)
            bindings.append(windows.critical)
            bindings.append(actor)
            bindings.append(rollbackOf)
            bindings.append(event.rawValue)
            bindings.append(detail)
            return bindings
        }
    }
}
