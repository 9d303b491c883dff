import Foundation
import SignetCore
import SignetDMS
import SignetStore
import X509

extension ESTService {
    /// `/simplereenroll`: the device renews with its current identity certificate as the TLS
    /// client certificate, inside the DMS's renewal window (or its grace after expiry).
    public func reenroll(aps: String?, body: [UInt8], client: Client) async throws -> [UInt8] {
        let (record, settings) = try await policy(aps)
        let request = try Self.readCSR(body)
        guard let der = client.certificate else {
            throw ESTRefusal.unauthenticated("est.reenroll.client_certificate", "renewal needs the device's current identity certificate as the TLS client certificate")
        }
        let current: Certificate
        do { current = try Certificate(derEncoded: der) } catch {
            throw ESTRefusal.unauthenticated("est.reenroll.client_certificate", "the TLS client certificate cannot be read")
        }
        let serial = current.serialNumber.bytes.lowercaseHex
        // The handshake proved the key; the bytes being Signet's own record proves the certificate.
        guard let stored = try await stores.certificates.certificate(serialNumber: serial), stored.der == der else {
            throw ESTRefusal.unauthenticated("est.reenroll.client_certificate", "the client certificate \(serial) was not issued by Signet")
        }
        guard stored.status == .active else {
            throw ESTRefusal.unauthenticated("est.reenroll.revoked", "the client certificate \(serial) is revoked")
        }
        try await checkRenewingIssuer(stored.issuerCAID, serial: serial, settings: settings)
        return try await Self.asAuthenticated { try await renew(request, current: current, serial: serial, record: record, settings: settings) }
    }

    /// The renewal of an authenticated identity certificate.
    private func renew(_ request: (der: [UInt8], csr: CertificateSigningRequest, commonName: String), current: Certificate, serial: String,
                       record: DMSRecord, settings: DMSSettings) async throws -> [UInt8] {
        let deviceID = request.commonName
        guard let device = try await registry.device(id: deviceID) else {
            throw ESTRefusal.notFound("est.reenroll.device", "no device '\(deviceID)' is registered")
        }
        guard device.identitySerial == serial else {
            throw ESTRefusal.unauthenticated("est.reenroll.not_current_identity", "the client certificate \(serial) is not the current identity of device '\(deviceID)'")
        }
        try Self.checkEnrollable(device, dms: record.id)
        try checkWindow(current, settings: settings.reenrollment)
        try Self.checkSubject(request.csr.subject, current: current.subject)
        if settings.reenrollment.keyPolicy == .newKeyRequired && request.csr.publicKey == current.publicKey {
            throw ESTRefusal.refused("est.reenroll.new_key_required", "DMS '\(record.id)' requires a new key at renewal; the CSR reuses the current one")
        }
        let actor = "est:\(record.id)"
        let (issued, _) = try await issueAndBind(request.der, settings: settings, deviceID: deviceID, binding: .reenrollment, actor: actor)
        if settings.reenrollment.revokeOnReenrollment {
            _ = try? await core.revoke(serialNumber: serial, reason: .superseded, requester: Requester(actor))
        }
        return issued.record.der
    }

    /// An identity renews here when it was issued by the DMS's enrollment CA or by one of its
    /// `additional_validation_cas` (or a CA below either): identities from a CA the fleet left
    /// (an earlier enrollment CA, another DMS's) renew only where the DMS names that CA.
    func checkRenewingIssuer(_ issuer: String, serial: String, settings: DMSSettings) async throws {
        let accepted = Set([settings.enrollment.enrollmentCA] + settings.reenrollment.additionalValidationCAs)
        let cas = try await stores.cas.cas()
        var next: String? = issuer
        var seen: Set<String> = []
        while let current = next, seen.insert(current).inserted {
            if accepted.contains(current) { return }
            next = cas.first { $0.id == current }?.parentID
        }
        throw ESTRefusal.unauthenticated("est.reenroll.issuer", "the client certificate \(serial) was issued by CA '\(issuer)'; this DMS renews identities from \(accepted.sorted().joined(separator: ", ")) (enrollment_ca and reenrollment_settings.additional_validation_cas)")
    }

    /// Renewal opens `reenrollment_delta` before notAfter; after notAfter only within the
    /// grace period, when the DMS allows expired renewal at all. Too early is "later" (202),
    /// too late is "never" (400).
    func checkWindow(_ current: Certificate, settings: ReenrollmentSettings) throws {
        let now = clock()
        let opens = current.notValidAfter.addingTimeInterval(-settings.reenrollmentDelta.seconds)
        guard now >= opens else {
            // Waiting helps, and the moment is known: 202 with Retry-After (RFC 7030 §4.2.3),
            // which libest-based clients sleep out before asking again.
            let wait = max(1, Int(opens.timeIntervalSince(now).rounded(.up)))
            throw ESTRefusal(.retryLater, rule: "est.reenroll.window", "renewal opens at \(RFC3339.string(opens)) (\(settings.reenrollmentDelta) before the certificate expires); retry after \(wait) s", retryAfter: wait)
        }
        guard now > current.notValidAfter else { return }
        guard settings.enableExpiredRenewal, let grace = settings.expiredRenewalGrace else {
            throw ESTRefusal.refused("est.reenroll.expired", "the certificate expired at \(RFC3339.string(current.notValidAfter)) and this DMS does not renew expired certificates")
        }
        let closes = current.notValidAfter.addingTimeInterval(grace.seconds)
        guard now <= closes else {
            throw ESTRefusal.refused("est.reenroll.expired", "the certificate expired at \(RFC3339.string(current.notValidAfter)); its renewal grace of \(grace) ended at \(RFC3339.string(closes))")
        }
    }

    /// The CSR's subject must be the current certificate's: the same common name, and every
    /// attribute it names equal to the certificate's (the profile may have added others).
    static func checkSubject(_ requested: DistinguishedName, current: DistinguishedName) throws {
        let held = Set(current.flatMap { $0 })
        for attribute in requested.flatMap({ $0 }) where !held.contains(attribute) {
            throw ESTRefusal.refused("est.reenroll.subject", "the CSR's subject (\(requested)) differs from the current certificate's (\(current))")
        }
        guard requested.commonName == current.commonName else {
            throw ESTRefusal.refused("est.reenroll.subject", "the CSR's common name differs from the current certificate's")
        }
    }
}
