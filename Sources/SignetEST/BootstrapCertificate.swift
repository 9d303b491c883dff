import Foundation
import SignetCore
import SignetDMS
import X509

/// Checks a TLS client certificate as a DMS's client-certificate settings require: it chains
/// to one of the listed CAs (through CAs Signet holds, at most `chain_level_validation`
/// levels up), is within its validity unless expired ones are allowed, and is not revoked,
/// where an unknown revocation status counts as a refusal unless the DMS allows it.
struct BootstrapCertificate {
    let cas: [CARecord]
    /// The active CAs' certificates, parsed once per check rather than once per chain step.
    private let parsed: [(record: CARecord, certificate: Certificate)]

    init(cas: [CARecord]) {
        self.cas = cas
        parsed = cas.compactMap { ca in
            guard ca.status == .active, let certificate = try? Certificate(derEncoded: ca.certificateDER) else { return nil }
            return (ca, certificate)
        }
    }

    /// The certificate, once trusted; the CA ids it chained through, nearest first.
    func check(_ der: [UInt8], against settings: ClientCertificateSettings, additional: [String] = [], now: Date,
               certificates: any SignetCore.CertificateStore) async throws -> (certificate: Certificate, path: [String]) {
        let certificate: Certificate
        do { certificate = try Certificate(derEncoded: der) } catch {
            throw ESTRefusal.unauthenticated("est.client_certificate", "the TLS client certificate cannot be read")
        }
        let anchors = Set(settings.validationCAs + additional)
        let path = try chain(certificate, anchors: anchors, levels: settings.chainLevelValidation)
        if now > certificate.notValidAfter && !settings.allowExpired {
            throw ESTRefusal.unauthenticated("est.client_certificate.expired", "the client certificate expired at \(RFC3339.string(certificate.notValidAfter)) and this DMS does not accept expired ones")
        }
        if now < certificate.notValidBefore {
            throw ESTRefusal.unauthenticated("est.client_certificate.not_yet_valid", "the client certificate is not valid before \(RFC3339.string(certificate.notValidBefore))")
        }
        try Self.checkClientAuthUsage(certificate)
        let issuer = cas.first { $0.id == path[0] }
        let serial = certificate.serialNumber.bytes.lowercaseHex
        if issuer?.kind != .imported, let record = try await certificates.certificate(serialNumber: serial), record.issuerCAID == path[0] {
            guard record.status == .active else {
                throw ESTRefusal.unauthenticated("est.client_certificate.revoked", "the client certificate \(serial) is revoked")
            }
        } else if !settings.allowUnknownRevocationStatus {
            throw ESTRefusal.unauthenticated("est.client_certificate.revocation_unknown", "the revocation status of client certificate \(serial) is unknown to Signet, and this DMS does not accept that")
        }
        return (certificate, path)
    }

    /// A bootstrap certificate identifies a TLS client: it must allow clientAuth (or any
    /// purpose), or carry no extended key usage at all. A server's certificate from the same
    /// manufacturer CA is not a device's credential.
    static func checkClientAuthUsage(_ certificate: Certificate) throws {
        let usage: ExtendedKeyUsage?
        do { usage = try certificate.extensions.extendedKeyUsage } catch {
            throw ESTRefusal.unauthenticated("est.client_certificate.eku", "the client certificate's extended key usage cannot be read")
        }
        guard let usage, !usage.contains(.clientAuth), !usage.contains(.any) else { return }
        throw ESTRefusal.unauthenticated("est.client_certificate.eku", "the client certificate's extended key usage (\(usage.map { "\($0)" }.joined(separator: ", "))) does not include clientAuth; a bootstrap certificate must allow TLS client authentication")
    }

    /// The CA ids from the certificate's issuer up to the first anchor, each signature checked.
    private func chain(_ certificate: Certificate, anchors: Set<String>, levels: Int) throws -> [String] {
        var path: [String] = []
        var current = certificate
        while true {
            guard let issuer = parsed.first(where: { ca in
                ca.certificate.subject == current.issuer && ca.certificate.publicKey.isValidSignature(current.signature, for: current)
            }) else {
                throw ESTRefusal.unauthenticated("est.client_certificate.untrusted", "the client certificate does not chain to a CA this DMS accepts (\(anchors.sorted().joined(separator: ", ")))")
            }
            path.append(issuer.record.id)
            if anchors.contains(issuer.record.id) { return path }
            guard levels < 0 || path.count < levels, issuer.certificate.issuer != issuer.certificate.subject else {
                throw ESTRefusal.unauthenticated("est.client_certificate.untrusted", "the client certificate does not chain to a CA this DMS accepts (\(anchors.sorted().joined(separator: ", "))) within \(levels < 0 ? "its" : "\(levels)") level(s)")
            }
            current = issuer.certificate
        }
    }
}
