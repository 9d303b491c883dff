import Foundation
import SignetCore
import SignetDMS

extension ESTService {
    /// What `/serverkeygen` hands back: the certificate and its private key, which Signet
    /// does not keep: PKCS#8, or a CMS EnvelopedData around it when the client asked for it
    /// encrypted (RFC 7030 §4.4.2).
    public struct GeneratedEnrollment: Sendable {
        public let certificate: [UInt8]
        public let privateKey: [UInt8]
        public let keyIsEncrypted: Bool
    }

    /// `/serverkeygen` (RFC 7030 §4.4): authenticated as for `simpleenroll`; the gate has the
    /// token generate the key pair, the client's CSR gives the subject and requested
    /// extensions, and a CSR for the new key goes through the gate like any other.
    public func serverKeygen(aps: String?, body: [UInt8], client: Client) async throws -> GeneratedEnrollment {
        let (record, settings) = try await policy(aps)
        guard settings.serverKeygen.enabled, let kind = settings.serverKeygen.keyKind else {
            throw ESTRefusal.refused("est.serverkeygen", "DMS '\(record.id)' does not generate keys for its devices")
        }
        let request = try Self.readCSR(body)
        let passcode = try await authenticate(client, csr: request.csr, deviceID: request.commonName, dms: record.id, settings: settings)
        do {
            try await askWebhook(settings, dms: record.id, deviceID: request.commonName, operation: "serverkeygen", csr: request.der, client: client)
            return try await Self.asAuthenticated {
                // Every device and policy check before the token generates anything: a
                // refused request must not cost a key generation.
                let recipient = try keyRecipient(request.csr, client: client, dms: record.id, settings: settings.serverKeygen)
                try await enrollableDevice(request.commonName, dms: record.id, settings: settings)
                do {
                    try await core.checkClientKey(kind, caID: settings.enrollment.enrollmentCA, profileID: settings.issuanceProfileID)
                } catch GateError.refused(let refusal) {
                    throw ESTRefusal.refused(refusal.rule, refusal.detail)
                }
                let key = try await core.generateClientKey(kind)
                // Sealed before issuing, so a certificate is never issued for a key that cannot be handed over.
                let handed = try recipient.map { try CMSEnvelopedData.seal(key.pkcs8, for: $0).contentInfoDER() } ?? key.pkcs8
                let certificate = try await provision(request.commonName, csr: try key.request(replacing: request.csr), dms: record.id, settings: settings)
                return GeneratedEnrollment(certificate: certificate, privateKey: handed, keyIsEncrypted: recipient != nil)
            }
        } catch {
            if let passcode { try? await registry.restorePasscode(passcode) }
            throw error
        }
    }
}
