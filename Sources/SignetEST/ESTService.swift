import Foundation
import Logging
import SignetCore
import SignetDMS
import SignetQuery
import SignetStore
import X509

/// EST (RFC 7030) over the DMS policies: who may enroll or renew, and through which
/// profile and CA. Every certificate goes through the gate; every refusal is an
/// ``ESTRefusal`` naming its rule.
public struct ESTService: Sendable {
    let core: SigningCore
    let registry: Registry
    let stores: CoreStores
    let defaultDMS: String?
    let webhook: ESTWebhook
    let keyEncryptionKeys: ESTKeyEncryptionKeys
    let clock: @Sendable () -> Date
    /// DER of the operator's CA bundle, distributed by DMSs with `include_system_ca`.
    let systemCAs: [[UInt8]]
    let logger = Logger(label: "signet.est")

    public init(core: SigningCore, registry: Registry, stores: CoreStores, defaultDMS: String?, webhook: ESTWebhook,
                systemCAs: [[UInt8]] = [], keyEncryptionKeys: ESTKeyEncryptionKeys = .none, clock: @escaping @Sendable () -> Date = Date.init) {
        self.core = core
        self.systemCAs = systemCAs
        self.keyEncryptionKeys = keyEncryptionKeys
        self.webhook = webhook
        self.registry = registry
        self.stores = stores
        self.defaultDMS = defaultDMS
        self.clock = clock
    }

    /// How the client authenticated, as the TLS layer and the HTTP headers saw it.
    public struct Client: Sendable {
        /// DER of the TLS client certificate, when one was presented (checked here, not by TLS).
        public var certificate: [UInt8]?
        /// HTTP Basic credentials, when sent.
        public var username: String?
        public var password: String?

        public init(certificate: [UInt8]? = nil, username: String? = nil, password: String? = nil) {
            self.certificate = certificate
            self.username = username
            self.password = password
        }
    }

    /// The DMS an APS names (or the default one) and its settings.
    func policy(_ aps: String?) async throws -> (record: DMSRecord, settings: DMSSettings) {
        guard let id = aps ?? defaultDMS else {
            throw ESTRefusal(.notFound, rule: "est.aps", "no default DMS is configured; use /.well-known/est/<dms id>/…")
        }
        guard let record = try await registry.dms(id: id) else { throw ESTRefusal(.notFound, rule: "est.aps", "no DMS '\(id)'") }
        return (record, try DMSSettings(reading: record.settings))
    }

    /// `/cacerts`: the CAs the DMS distributes, each with its chain up to its root (the
    /// enrollment CA's when `include_enrollment_ca`, every `managed_cas` one's), then the
    /// operator's bundle when `include_system_ca`; each certificate once.
    public func caCertificates(aps: String?) async throws -> [[UInt8]] {
        let (_, settings) = try await policy(aps)
        let all = try await stores.cas.cas()
        var chosen: [String] = []
        func include(_ id: String) {
            var next: String? = id
            while let current = next, !chosen.contains(current), let ca = all.first(where: { $0.id == current }) {
                chosen.append(current)
                next = ca.parentID
            }
        }
        if settings.caDistribution.includeEnrollmentCA { include(settings.enrollment.enrollmentCA) }
        settings.caDistribution.managedCAs.forEach(include)
        var certificates = chosen.compactMap { id in all.first { $0.id == id }?.certificateDER }
        if settings.caDistribution.includeSystemCA {
            certificates += systemCAs.filter { !certificates.contains($0) }
        }
        return certificates
    }

    static func readCSR(_ body: [UInt8]) throws -> (der: [UInt8], csr: CertificateSigningRequest, commonName: String) {
        let der = try ESTWire.csrDER(body)
        let csr: CertificateSigningRequest
        do { csr = try CertificateSigningRequest(derEncoded: der) } catch {
            // A key too weak for the crypto library is still the gate's refusal to give, by its rule.
            if let kind = try? CSRReading.keyKind(der: der), let violation = CryptoBaseline.violation(kind) {
                throw ESTRefusal.refused("crypto.baseline", violation)
            }
            throw ESTRefusal.malformed("the body is not a PKCS#10 certificate request")
        }
        guard let commonName = csr.subject.commonName, !commonName.isEmpty else {
            throw ESTRefusal.malformed("the CSR has no common name; it must be the device id")
        }
        return (der, csr, commonName)
    }

    /// Issues through the gate under the DMS's profile and enrollment CA; a refusal of the
    /// gate is the client's (400: the same request would be refused again).
    func issue(_ der: [UInt8], settings: DMSSettings, requester: String, deviceID: String) async throws -> SigningCore.Issued {
        do {
            return try await core.issue(csr: der, caID: settings.enrollment.enrollmentCA, profileID: settings.issuanceProfileID, requester: Requester(requester), deviceID: deviceID)
        } catch GateError.refused(let refusal) {
            // Malformed or against policy, retrying the same request cannot succeed.
            throw ESTRefusal.refused(refusal.rule, refusal.detail)
        }
    }

    /// Issues through the gate, then binds the certificate to the device's identity slot. A
    /// certificate that cannot be bound (the device was disabled or decommissioned between
    /// the checks and the binding) is never returned, and it is revoked at once rather than
    /// left active and bound to no device.
    func issueAndBind(_ der: [UInt8], settings: DMSSettings, deviceID: String, binding: SlotBinding, actor: String) async throws -> (SigningCore.Issued, Registry.BindOutcome) {
        let issued = try await issue(der, settings: settings, requester: "\(actor):\(deviceID)", deviceID: deviceID)
        do {
            return (issued, try await bind(deviceID, serial: issued.record.serialNumber, binding: binding, actor: actor))
        } catch {
            let serial = issued.record.serialNumber
            do {
                _ = try await core.revoke(serialNumber: serial, reason: .cessationOfOperation, requester: Requester(actor))
            } catch let revocation {
                logger.error("an enrolled certificate that could not be bound was not revoked; revoke it by hand", metadata: [
                    "serial": "\(serial)", "device": "\(deviceID)", "error": "\(String(reflecting: revocation))",
                ])
            }
            throw error
        }
    }

    /// A registry conflict during binding (the device was disabled or decommissioned meanwhile).
    func bind(_ deviceID: String, serial: String, binding: SlotBinding, actor: String) async throws -> Registry.BindOutcome {
        do {
            return try await registry.bindCertificate(deviceID: deviceID, serialNumber: serial, binding: binding, actor: actor)
        } catch let error as Catalog.EditError {
            throw ESTRefusal.locked("est.device", error.description)
        }
    }
}
