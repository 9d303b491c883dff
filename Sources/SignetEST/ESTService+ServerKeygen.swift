import _CryptoExtras
import Crypto
import Foundation
import SignetCore
import SignetDMS
import SignetToken
import SwiftASN1
import X509

extension ESTService {
    /// What `/serverkeygen` hands back: the certificate and its private key (PKCS#8), which
    /// Signet does not keep.
    public struct GeneratedEnrollment: Sendable {
        public let certificate: [UInt8]
        public let privateKey: [UInt8]
    }

    /// `/serverkeygen` (RFC 7030 §4.4): authenticated as for `simpleenroll`; the token's
    /// generator makes the key pair, the client's CSR gives the subject and requested
    /// extensions, and a CSR for the new key goes through the gate like any other.
    public func serverKeygen(aps: String?, body: [UInt8], client: Client) async throws -> GeneratedEnrollment {
        let (record, settings) = try await policy(aps)
        guard settings.serverKeygen.enabled, let spec = Self.keySpec(settings.serverKeygen) else {
            throw ESTRefusal.forbidden("est.serverkeygen", "DMS '\(record.id)' does not generate keys for its devices")
        }
        let request = try Self.readCSR(body)
        let passcode = try await authenticate(client, csr: request.csr, deviceID: request.commonName, dms: record.id, settings: settings)
        do {
            try await askWebhook(settings, dms: record.id, deviceID: request.commonName, operation: "serverkeygen", csr: request.der, client: client)
            let token = self.token
            let exported = try await token.perform { try token.generateExportedKeyPair(spec) }
            let (pkcs8, privateKey) = try Self.privateKey(exported)
            let replaced = try CertificateSigningRequest(version: .v1, subject: request.csr.subject, privateKey: privateKey, attributes: request.csr.attributes)
            var serializer = DER.Serializer()
            try serializer.serialize(replaced)
            let der = serializer.serializedBytes
            let certificate = try await provision(request.commonName, request: (der, replaced, request.commonName), dms: record.id, settings: settings)
            return GeneratedEnrollment(certificate: certificate, privateKey: pkcs8)
        } catch {
            if let passcode { try? await registry.restorePasscode(passcode) }
            throw error
        }
    }

    static func keySpec(_ settings: ServerKeygenSettings) -> KeySpec? {
        switch (settings.keyType?.uppercased(), settings.keySize) {
        case ("ECDSA", 256): .ecP256
        case ("ECDSA", 384): .ecP384
        case ("RSA", let bits?) where [2048, 3072, 4096].contains(bits): .rsa(bits: bits)
        default: nil
        }
    }

    static let rsaAlgorithm = DERBytes.sequence(DERBytes.oid(rsaEncryption), DERBytes.null)

    /// The exported key as PKCS#8 DER, and as a key that can sign the replacement CSR.
    static func privateKey(_ exported: ExportedPrivateKey) throws -> ([UInt8], Certificate.PrivateKey) {
        switch exported {
        case .ec(let spec, let scalar):
            if spec == .ecP384 {
                let key = try P384.Signing.PrivateKey(rawRepresentation: scalar)
                return (Array(key.derRepresentation), Certificate.PrivateKey(key))
            }
            let key = try P256.Signing.PrivateKey(rawRepresentation: scalar)
            return (Array(key.derRepresentation), Certificate.PrivateKey(key))
        case .rsa(let n, let e, let d, let p, let q, let dp, let dq, let qinv):
            let pkcs1 = DERBytes.sequence(of: [DERBytes.integer(0)] + [n, e, d, p, q, dp, dq, qinv].map(DERBytes.unsignedInteger))
            let pkcs8 = DERBytes.sequence(DERBytes.integer(0), rsaAlgorithm, DERBytes.octetString(pkcs1))
            let key = try _RSA.Signing.PrivateKey(derRepresentation: pkcs8)
            return (pkcs8, Certificate.PrivateKey(key))
        }
    }
}
