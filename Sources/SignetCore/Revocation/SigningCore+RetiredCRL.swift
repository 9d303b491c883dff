import Foundation
import SignetToken

extension SigningCore {
    /// The CA that signs a CRL. An active CA, or one that was revoked or retired: RFC 5280
    /// §3.3 has a CRL issuer go on publishing until the certificates it issued expire, and
    /// relying parties may still be checking them. Such a CA's key signs CRLs only: issuance,
    /// OCSP responses and every other entry point still require an active CA (`signingCA`).
    /// Its CRLs continue while its own certificate is valid, which no certificate it issued
    /// outlives (the publisher stops asking once the last of them has expired).
    func crlSigningCA(_ id: String, log: inout RuleLog) async throws -> SigningCA {
        guard let record = try await stores.cas.ca(id: id), record.status != .active else {
            return try await signingCA(id, log: &log)
        }
        guard let keyURI = record.keyURI else {
            throw log.fail("ca.can_sign", "CA '\(id)' was imported without a key and cannot sign")
        }
        let uri = try PKCS11URI(parsing: keyURI)
        guard uri.token == token.configuration.label else {
            throw log.fail("ca.can_sign", "CA '\(id)' has its key on token '\(uri.token)', not on the configured token '\(token.configuration.label)'")
        }
        let certificate = try parsedCertificate(record.certificateDER)
        let now = clock()
        guard now <= certificate.notValidAfter else {
            throw log.fail("ca.crl_after_retirement", "CA '\(id)' is \(record.status.rawValue) and its certificate expired at \(RFC3339.string(certificate.notValidAfter)); no certificate it issued is still valid, so it publishes no more CRLs")
        }
        log.pass("ca.crl_after_retirement", "CA '\(id)' is \(record.status.rawValue): it signs CRLs only, until the certificates it issued have expired (RFC 5280 §3.3)")
        return SigningCA(record: record, certificate: certificate, keyID: uri.id)
    }

    /// Whether this process publishes the CA's CRLs now (active, or revoked or retired with
    /// certificates still to cover; key on this token), asked without recording a decision.
    public func publishesCRLs(caID: String) async throws -> Bool {
        var log = RuleLog()
        do { _ = try await crlSigningCA(caID, log: &log) } catch is Refusal { return false }
        return true
    }
}
