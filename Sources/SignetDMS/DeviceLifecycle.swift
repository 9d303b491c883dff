import Crypto
import Foundation
import SignetCore
import SignetQuery
import SignetStore

/// Lifecycle actions that involve both the registry and the gate.
public struct DeviceLifecycle: Sendable {
    let core: SigningCore
    let registry: Registry
    let catalog: Catalog

    public init(core: SigningCore, registry: Registry, catalog: Catalog) {
        self.core = core
        self.registry = registry
        self.catalog = catalog
    }

    /// Decommissions a device for good: it is marked first (so it can no longer enroll),
    /// then every active or held certificate in its slots is revoked through the gate with
    /// CessationOfOperation. Repeating the call finishes an interrupted decommission.
    /// Returns the serials revoked by this call.
    public func decommission(deviceID: String, actor: String) async throws -> [String] {
        let serials = try await registry.decommission(deviceID: deviceID, actor: actor)
        for serial in serials {
            _ = try await core.revoke(serialNumber: serial, reason: .cessationOfOperation, requester: Requester(actor))
        }
        return serials
    }

    /// Binds a credential to a named slot: `{"type": "x509", "certificate_serial_number": …}`
    /// or `{"type": "SSH_KEY" | "TOKEN" | "OTHER", "secret_ref": …}`. The identity slot goes
    /// through ``bindIdentity(deviceID:serialNumber:binding:actor:)`` and its rules.
    public func bindSlot(deviceID: String, slot: String, _ body: JSONValue, actor: String) async throws -> Registry.BindOutcome {
        guard DeviceRules.isValidSlotName(slot) else {
            throw FieldError("slot", "'\(slot)' must be 1–64 lowercase letters, digits, '.', '_' or '-', starting with a letter or digit")
        }
        var r = try FieldReader(body, path: "")
        let type = try r.requiredString("type")
        switch type {
        case "x509":
            let serial = try r.requiredString("certificate_serial_number")
            try r.finish()
            if slot == "identity" { return try await bindIdentity(deviceID: deviceID, serialNumber: serial, binding: .enrollment, actor: actor) }
            return try await registry.bindCertificate(deviceID: deviceID, slot: slot, serialNumber: serial.lowercased(), binding: .enrollment, actor: actor)
        case "SSH_KEY", "TOKEN", "OTHER":
            let reference = try r.requiredString("secret_ref")
            try r.finish()
            guard slot != "identity" else { throw FieldError("type", "the identity slot holds x509 certificates") }
            guard reference.count <= 1024 else { throw FieldError("secret_ref", "must be at most 1024 characters") }
            return try await registry.bindSecret(deviceID: deviceID, slot: slot, type: type, secretRef: reference, actor: actor)
        default:
            throw FieldError("type", "must be one of x509, SSH_KEY, TOKEN, OTHER, got '\(type)'")
        }
    }

    /// Rolls a slot back: `{"version": n}` names the earlier version whose certificate or
    /// secret reference becomes a new version (the history keeps every version, and the new
    /// one records the version it repeats and who asked).
    public func rollbackSlot(deviceID: String, slot: String, _ body: JSONValue, actor: String) async throws -> Registry.BindOutcome {
        guard DeviceRules.isValidSlotName(slot) else {
            throw FieldError("slot", "'\(slot)' must be 1–64 lowercase letters, digits, '.', '_' or '-', starting with a letter or digit")
        }
        var r = try FieldReader(body, path: "")
        guard let version = try r.int("version") else { throw FieldError("version", "is required: the earlier version to roll back to") }
        guard version >= 1 else { throw FieldError("version", "must be 1 or more, got \(version)") }
        try r.finish()
        return try await registry.rollbackSlot(deviceID: deviceID, slot: slot, to: version, actor: actor)
    }

    /// A one-time passcode for a device to enroll with, under the DMS's passcode settings. The
    /// text is returned once; only its SHA-256 digest is stored.
    public func issuePasscode(dms: DMSRecord, deviceID: String, actor: String) async throws -> (text: String, uses: Int, expiresAt: Date) {
        let settings = try DMSSettings(reading: dms.settings)
        guard let passcodes = settings.enrollment.est.passcode else {
            throw Catalog.EditError.conflict("DMS '\(dms.id)' has no passcode settings")
        }
        guard DeviceRules.isValidID(deviceID) else { throw FieldError("device_id", "'\(deviceID)' is not a device id") }
        var bytes = [UInt8](repeating: 0, count: 16)
        var generator = SystemRandomNumberGenerator()
        for index in bytes.indices { bytes[index] = UInt8.random(in: .min ... .max, using: &generator) }
        let text = bytes.lowercaseHex
        let expiresAt = Date().addingTimeInterval(passcodes.validity.seconds)
        try await registry.createPasscode(dms: dms.id, deviceID: deviceID, digest: Array(SHA256.hash(data: Array(text.utf8))), uses: passcodes.usageLimit, expiresAt: expiresAt, actor: actor)
        return (text, passcodes.usageLimit, expiresAt)
    }

    /// Makes an issued certificate a device's identity. The certificate must name the device
    /// as its common name: an identity is bound to the device it was issued for.
    public func bindIdentity(deviceID: String, serialNumber: String, binding: SlotBinding, actor: String) async throws -> Registry.BindOutcome {
        let serial = serialNumber.lowercased()
        guard let certificate = try await catalog.certificate(serialNumber: serial) else {
            throw Catalog.EditError.invalid("no certificate with serial \(serial)")
        }
        guard certificate.record.commonName == deviceID else {
            throw Catalog.EditError.invalid("certificate \(serial) is for '\(certificate.record.commonName ?? "no common name")', not device '\(deviceID)'")
        }
        return try await registry.bindCertificate(deviceID: deviceID, serialNumber: serial, binding: binding, actor: actor)
    }
}
