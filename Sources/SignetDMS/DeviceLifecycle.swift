import Foundation
import SignetCore
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
