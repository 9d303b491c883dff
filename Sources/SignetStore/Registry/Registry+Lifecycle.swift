import Foundation
import PostgresNIO

extension Registry {
    /// Locks a device for a lifecycle change; nil if there is none. Returns whether it is decommissioned.
    func lockDevice(_ id: String, on connection: PostgresConnection) async throws -> (enabled: Bool, decommissioned: Bool, owner: String)? {
        for try await (enabled, decommissioned, owner) in try await connection.fetch(
            "SELECT enabled, decommissioned_at IS NOT NULL, dms_owner FROM devices WHERE id = \(id) FOR UPDATE", logger: logger
        ).decode((Bool, Bool, String).self) {
            return (enabled, decommissioned, owner)
        }
        return nil
    }

    /// Disables or enables a device (no change and no event if it already is). A
    /// decommissioned device stays as it is.
    public func setEnabled(_ enabled: Bool, deviceID: String, actor: String) async throws {
        try await client.transaction(logger: logger) { connection in
            guard let device = try await lockDevice(deviceID, on: connection) else { throw EditError.notFound("no device with id '\(deviceID)'") }
            guard !device.decommissioned else { throw EditError.conflict("device '\(deviceID)' is decommissioned; it cannot be \(enabled ? "enabled" : "disabled")") }
            guard device.enabled != enabled else { return }
            try await connection.fetch("UPDATE devices SET enabled = \(enabled), updated_at = now() WHERE id = \(deviceID)", logger: logger)
            try await connection.recordEvent(enabled ? .enabled : .disabled, device: deviceID, actor: actor, logger: logger)
        }
    }

    /// Marks a device decommissioned (terminal; once only, with its event) and returns the
    /// serials of its slot certificates that are active or on hold, for the caller to revoke.
    /// Calling it again returns what is still unrevoked, so an interrupted decommission
    /// can be finished.
    public func decommission(deviceID: String, actor: String) async throws -> [String] {
        try await client.transaction(logger: logger) { connection in
            guard let device = try await lockDevice(deviceID, on: connection) else { throw EditError.notFound("no device with id '\(deviceID)'") }
            if !device.decommissioned {
                try await connection.fetch("UPDATE devices SET decommissioned_at = now(), updated_at = now() WHERE id = \(deviceID)", logger: logger)
                try await connection.recordEvent(.decommissioned, device: deviceID, actor: actor, logger: logger)
            }
            var serials: [String] = []
            for try await serial in try await connection.fetch(
                """
                SELECT s.serial_number FROM device_slots s JOIN certificates c ON c.serial_number = s.serial_number
                WHERE s.device_id = \(deviceID) AND (c.status = 'ACTIVE' OR c.revocation_reason = 'CertificateHold') ORDER BY s.slot
                """, logger: logger
            ).decode(String.self) { serials.append(serial) }
            return serials
        }
    }

    /// Deletes a decommissioned device with its slots and events; its id is retired for good.
    public func deleteDevice(id: String) async throws {
        try await client.transaction(logger: logger) { connection in
            guard let device = try await lockDevice(id, on: connection) else { throw EditError.notFound("no device with id '\(id)'") }
            guard device.decommissioned else { throw EditError.conflict("device '\(id)' must be decommissioned before it is deleted") }
            try await connection.fetch(
                """
                INSERT INTO retired_device_ids (id, dms_owner, decommissioned_at)
                SELECT id, dms_owner, decommissioned_at FROM devices WHERE id = \(id)
                """,
                logger: logger
            )
            try await connection.fetch("DELETE FROM devices WHERE id = \(id)", logger: logger)
        }
    }
}
