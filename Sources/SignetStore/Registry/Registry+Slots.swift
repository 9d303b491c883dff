import Foundation
import PostgresNIO

/// How a certificate came to a device's slot, which decides the event recorded.
public enum SlotBinding: String, Sendable, CaseIterable {
    /// First enrollment (PROVISIONED) or a replacing one (RE-PROVISIONED).
    case enrollment = "ENROLLMENT"
    /// A renewal of the current certificate (RENEWED).
    case reenrollment = "REENROLLMENT"

    /// The event recorded when this binding makes `version` the slot's active one.
    func event(version: Int) -> DeviceEventKind {
        switch self {
        case .reenrollment: .renewed
        case .enrollment: version == 1 ? .provisioned : .reprovisioned
        }
    }
}

extension Registry {
    /// What binding a certificate did: the event and the certificate it replaced.
    public struct BindOutcome: Sendable {
        public let event: DeviceEventKind
        public let version: Int
        public let previousSerial: String?
    }

    /// The slot's active version and its serial or reference; nil for a new slot. A slot
    /// keeps its type: one holding another type of credential is a conflict.
    func activeVersion(_ deviceID: String, slot: String, type: String, on connection: PostgresConnection) async throws -> (credential: String?, version: Int)? {
        for try await (serial, reference, version, held) in try await connection.fetch(
            "SELECT serial_number, secret_ref, active_version, type FROM device_slots WHERE device_id = \(deviceID) AND slot = \(slot)", logger: logger
        ).decode((String?, String?, Int, String).self) {
            try Self.checkSlotType(slot, holds: held, wanted: type)
            return (serial ?? reference, version)
        }
        return nil
    }

    /// Adds a slot version to the history and the device's event for it.
    func recordVersion(
        _ version: Int, of slot: String, device deviceID: String, serialNumber: String?, secretRef: String?, binding: SlotBinding, actor: String,
        rollbackOf: Int? = nil, detail: String, on connection: PostgresConnection
    ) async throws -> DeviceEventKind {
        try await connection.fetch(
            """
            INSERT INTO device_slot_versions (device_id, slot, version, serial_number, secret_ref, actor, rollback_of)
            VALUES (\(deviceID), \(slot), \(version), \(serialNumber), \(secretRef), \(actor), \(rollbackOf))
            """,
            logger: logger
        )
        let event = binding.event(version: version)
        try await connection.recordEvent(event, device: deviceID, actor: actor, detail: Self.versionDetail(slot: slot, version: version, rollbackOf: rollbackOf, detail), logger: logger)
        return event
    }

    /// A device that may receive a credential: it exists, is not decommissioned and is enabled.
    func lockWritableDevice(_ deviceID: String, on connection: PostgresConnection) async throws -> (enabled: Bool, decommissioned: Bool, owner: String) {
        try Self.writable(try await lockDevice(deviceID, on: connection), deviceID: deviceID)
    }

    /// The device, when it may receive a credential.
    static func writable(_ device: (enabled: Bool, decommissioned: Bool, owner: String)?, deviceID: String) throws -> (enabled: Bool, decommissioned: Bool, owner: String) {
        guard let device else { throw EditError.notFound("no device with id '\(deviceID)'") }
        guard !device.decommissioned else { throw EditError.conflict("device '\(deviceID)' is decommissioned") }
        guard device.enabled else { throw EditError.conflict("device '\(deviceID)' is disabled; enable it first") }
        return device
    }

    /// A slot keeps its type: one holding another type of credential is a conflict.
    static func checkSlotType(_ slot: String, holds held: String, wanted type: String) throws {
        guard held == type else { throw EditError.conflict("slot \(slot) holds \(held) credentials, not \(type == "x509" ? "certificates" : type)") }
    }

    /// A version's event detail: the slot and version, then what it holds.
    static func versionDetail(slot: String, version: Int, rollbackOf: Int?, _ detail: String) -> String {
        "slot \(slot) version \(version): " + (rollbackOf.map { "rollback to version \($0): \(detail)" } ?? detail)
    }

    /// Makes a secret reference (an SSH key, a token, anything held outside Signet) the
    /// active version of a non-certificate slot, keeping earlier versions.
    public func bindSecret(deviceID: String, slot: String, type: String, secretRef: String, actor: String, rollbackOf: Int? = nil) async throws -> BindOutcome {
        guard type != "x509", slot != "identity" else { throw EditError.malformed("slot \(slot) of type \(type) holds certificates; bind a certificate serial") }
        return try await client.transaction(logger: logger) { connection in
            _ = try await lockWritableDevice(deviceID, on: connection)
            let previous = try await activeVersion(deviceID, slot: slot, type: type, on: connection)
            let version = (previous?.version ?? 0) + 1
            if previous == nil {
                try await connection.fetch(
                    "INSERT INTO device_slots (device_id, slot, type, active_version, secret_ref) VALUES (\(deviceID), \(slot), \(type), 1, \(secretRef))",
                    logger: logger
                )
            } else {
                try await connection.fetch(
                    "UPDATE device_slots SET active_version = \(version), secret_ref = \(secretRef), updated_at = now() WHERE device_id = \(deviceID) AND slot = \(slot)",
                    logger: logger
                )
            }
            let event = try await recordVersion(
                version, of: slot, device: deviceID, serialNumber: nil, secretRef: secretRef, binding: .enrollment, actor: actor,
                rollbackOf: rollbackOf, detail: "\(type) \(secretRef)", on: connection
            )
            return BindOutcome(event: event, version: version, previousSerial: nil)
        }
    }
}

extension Registry {
    /// Rolls a slot back to an earlier version: a NEW version with that version's
    /// certificate or secret reference, recording which version it repeats and who asked
    /// (history is never rewritten). A certificate must still be bindable (active, unexpired,
    /// on no other device). Versions are immutable once written, so reading the one named
    /// before binding in a transaction of its own cannot see it change.
    public func rollbackSlot(deviceID: String, slot: String, to version: Int, actor: String) async throws -> BindOutcome {
        var target: (type: String, serial: String?, secret: String?)?
        var slotState: (type: String, active: Int, credential: String?)?
        for try await row in try await client.timedQuery(
            "SELECT type, active_version, coalesce(serial_number, secret_ref) FROM device_slots WHERE device_id = \(deviceID) AND slot = \(slot)", logger: logger
        ).decode((String, Int, String?).self) { slotState = row }
        guard let slotState else {
            guard try await device(id: deviceID) != nil else { throw EditError.notFound("no device with id '\(deviceID)'") }
            throw EditError.notFound("device '\(deviceID)' has no slot \(slot)")
        }
        for try await (serial, secret) in try await client.timedQuery(
            "SELECT serial_number, secret_ref FROM device_slot_versions WHERE device_id = \(deviceID) AND slot = \(slot) AND version = \(version)", logger: logger
        ).decode((String?, String?).self) { target = (slotState.type, serial, secret) }
        guard let target else {
            throw EditError.notFound("slot \(slot) of device '\(deviceID)' has no version \(version); its versions are 1–\(slotState.active)")
        }
        guard version != slotState.active else { throw EditError.conflict("version \(version) is already the active version of slot \(slot)") }
        guard (target.serial ?? target.secret) != slotState.credential else {
            throw EditError.conflict("version \(version) holds what the active version \(slotState.active) of slot \(slot) already holds")
        }
        if let serial = target.serial {
            return try await bindCertificate(deviceID: deviceID, slot: slot, serialNumber: serial, binding: .enrollment, actor: actor, rollbackOf: version)
        }
        return try await bindSecret(deviceID: deviceID, slot: slot, type: target.type, secretRef: target.secret ?? "", actor: actor, rollbackOf: version)
    }
}
