import Crypto
import Foundation
import SignetCore
import SignetDMS
import SignetStore
import SwiftASN1
import X509

extension ESTService {
    /// `/simpleenroll`: a device's first identity, or a replacing one where the DMS allows it.
    /// Returns the issued certificate's DER.
    public func enroll(aps: String?, body: [UInt8], client: Client) async throws -> [UInt8] {
        let (record, settings) = try await policy(aps)
        let request = try Self.readCSR(body)
        let deviceID = request.commonName
        let passcode = try await authenticate(client, csr: request.csr, deviceID: deviceID, dms: record.id, settings: settings)
        do {
            try await askWebhook(settings, dms: record.id, deviceID: deviceID, operation: "simpleenroll", csr: request.der, client: client)
            return try await Self.asAuthenticated { try await provision(deviceID, csr: request.der, dms: record.id, settings: settings) }
        } catch {
            if let passcode { try? await registry.restorePasscode(passcode) }
            throw error
        }
    }

    /// Checks the client by the DMS's auth mode and binds its credential to the device the
    /// CSR names. Returns the passcode use taken, to give back if enrollment fails later.
    func authenticate(_ client: Client, csr: CertificateSigningRequest, deviceID: String, dms: String, settings: DMSSettings) async throws -> UUID? {
        let est = settings.enrollment.est
        switch est.authMode {
        case .clientCertificate, .clientCertificateAndExternalWebhook:
            guard let der = client.certificate, let certificateSettings = est.clientCertificate else {
                throw ESTRefusal.unauthenticated("est.client_certificate", "this DMS enrolls devices with a TLS client certificate from \(est.clientCertificate?.validationCAs.joined(separator: ", ") ?? "its validation CAs"); none was presented")
            }
            let bootstrap = try await BootstrapCertificate(cas: try await stores.cas.cas())
                .check(der, against: certificateSettings, now: clock(), certificates: stores.certificates)
            guard bootstrap.certificate.subject.commonName == deviceID else {
                throw ESTRefusal.unauthenticated("est.device_binding", "the client certificate names '\(bootstrap.certificate.subject.commonName ?? "nobody")', but the CSR asks for device '\(deviceID)'")
            }
            return nil
        case .passcode:
            let fromCSR = Self.challengePassword(csr)
            guard let passcode = client.password ?? fromCSR else {
                throw ESTRefusal(.unauthorized, rule: "est.passcode", "this DMS enrolls devices with a passcode: send it as the HTTP Basic password (user: the device id) or as the CSR's challengePassword")
            }
            if let user = client.username, !user.isEmpty, user != deviceID {
                throw ESTRefusal.unauthenticated("est.device_binding", "the credentials are for '\(user)', but the CSR asks for device '\(deviceID)'")
            }
            guard let use = try await registry.consumePasscode(dms: dms, deviceID: deviceID, digest: Array(SHA256.hash(data: Array(passcode.utf8)))) else {
                throw ESTRefusal(.unauthorized, rule: "est.passcode", "the passcode is not valid for device '\(deviceID)' (unknown, used up or expired)")
            }
            return use
        case .externalWebhook:
            return nil
        }
    }

    /// The DMS's webhook decides too, when its auth mode includes one (after any other check).
    func askWebhook(_ settings: DMSSettings, dms: String, deviceID: String, operation: String, csr: [UInt8], client: Client) async throws {
        let est = settings.enrollment.est
        guard est.authMode == .externalWebhook || est.authMode == .clientCertificateAndExternalWebhook, let hook = est.webhook else { return }
        try await webhook.authorize(hook, dms: dms, deviceID: deviceID, operation: operation, csr: csr, clientCertificate: client.certificate)
    }

    /// Runs `body`, marking its refusals as those of an authenticated client.
    static func asAuthenticated<T>(_ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch let refusal as ESTRefusal { throw refusal.authenticated() }
    }

    /// The device's checks for a (re)placing enrollment: registers it first under JITP.
    /// A device registered here is this DMS's, enabled and without an identity, so it is not
    /// read back; a change made to it meanwhile is caught when the certificate is bound.
    func enrollableDevice(_ deviceID: String, dms: String, settings: DMSSettings) async throws {
        let actor = "est:\(dms)"
        guard let device = try await registry.device(id: deviceID) else {
            guard settings.enrollment.registrationMode == .jitp else {
                throw ESTRefusal.notFound("est.registration", "device '\(deviceID)' is not registered, and DMS '\(dms)' enrolls only pre-registered devices")
            }
            guard DeviceRules.isValidID(deviceID) else {
                throw ESTRefusal(.badRequest, rule: "est.registration.device_id", "the CSR's common name '\(deviceID)' is not a valid device id: 1–128 letters, digits, '.', '_', '-', ':' or '@', starting with a letter or digit")
            }
            let rejections = try await registry.register([NewDevice(id: deviceID, dmsOwner: dms)], actor: actor)
            if let rejection = rejections.first { throw ESTRefusal.refused("est.registration", rejection.reason) }
            return
        }
        try Self.checkEnrollable(device, dms: dms)
        if device.identitySerial != nil && !settings.enrollment.enableReplaceableEnrollment {
            throw ESTRefusal.refused("est.enrollment.replace", "device '\(deviceID)' is already enrolled and DMS '\(dms)' does not replace identities; renew with simplereenroll")
        }
    }

    /// The device's checks for a (re)placing enrollment, the gate, and the binding.
    func provision(_ deviceID: String, csr der: [UInt8], dms: String, settings: DMSSettings) async throws -> [UInt8] {
        let actor = "est:\(dms)"
        try await enrollableDevice(deviceID, dms: dms, settings: settings)
        let (issued, outcome) = try await issueAndBind(der, settings: settings, deviceID: deviceID, binding: .enrollment, actor: actor)
        if let previous = outcome.previousSerial {
            _ = try? await core.revoke(serialNumber: previous, reason: .superseded, requester: Requester(actor))
        }
        return issued.record.der
    }

    static func checkEnrollable(_ device: DeviceRow, dms: String) throws {
        guard device.dmsOwner == dms else {
            throw ESTRefusal.refused("est.device.dms", "device '\(device.id)' belongs to DMS '\(device.dmsOwner)', not '\(dms)'")
        }
        guard device.decommissionedAt == nil else { throw ESTRefusal.locked("est.device.decommissioned", "device '\(device.id)' is decommissioned") }
        guard device.enabled else { throw ESTRefusal.locked("est.device.disabled", "device '\(device.id)' is disabled") }
    }

    static let challengePasswordOID: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 9, 7]

    /// The CSR's challengePassword attribute, if it has one.
    static func challengePassword(_ csr: CertificateSigningRequest) -> String? {
        for attribute in csr.attributes where attribute.oid == challengePasswordOID {
            for value in attribute.values {
                if let text = try? ASN1UTF8String(asn1Any: value) { return String(text) }
                if let text = try? ASN1PrintableString(asn1Any: value) { return String(text) }
            }
        }
        return nil
    }
}
