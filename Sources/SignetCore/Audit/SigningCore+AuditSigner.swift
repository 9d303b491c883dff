import Crypto
import Foundation
import SignetToken
import X509

extension SigningCore {
    /// Creates the audit key: a key pair generated in the token and a certificate the root CA
    /// `caID` issues for it under `profileID` (not a CA profile; digitalSignature; no extended
    /// key usage, so the key is good for nothing but checkpoints). The decision is recorded
    /// like any issuance; the certificate is stored with the others. The caller keeps the
    /// returned record where the checkpointer finds it.
    public func createAuditSigner(caID: String, profileID: String, keySpec: KeySpec = .ecP256, requester: Requester) async throws -> AuditSignerRecord {
        var decision = DecisionDraft(action: .createAuditSigner, caID: caID, requester: requester)
        var log = RuleLog()
        do {
            let signer = try await signingCA(caID, log: &log)
            guard signer.record.kind == .root else {
                throw log.fail("audit.signer_ca", "CA '\(caID)' is not a root CA; the audit key's certificate is issued by a root")
            }
            try checkAdministrator(requester, action: "creating the audit key", log: &log)
            let profile = try await profile(profileID, purpose: "the audit key", log: &log)
            decision.profile = profile
            try checkAllowed(profileID, by: signer.record, log: &log)
            let rules = profile.profile
            guard !rules.signAsCA, rules.keyUsage.digitalSignature, !rules.keyUsage.certSign, rules.extendedKeyUsages.isEmpty, !rules.honorExtendedKeyUsages else {
                throw log.fail("audit.signer_profile", "profile '\(profileID)' must grant digitalSignature, no extended key usage, and must not have sign_as_ca")
            }
            log.pass("audit.signer_profile", "'\(profileID)' grants digitalSignature only")
            guard keySpec == .ecP256 || keySpec == .ecP384 else {
                throw log.fail("audit.signer_key", "the audit key is P-256 or P-384 (checkpoints are ECDSA)")
            }
            let keyKind = keySpec.publicKeyKind
            if let violation = CryptoBaseline.violation(keyKind) ?? rules.cryptoEnforcement.violation(keyKind).map(\.detail) {
                throw log.fail("crypto_enforcement", violation)
            }
            let label = "signet-audit-\(RFC3339.string(clock()))"
            let token = self.token
            return try await withNewTokenKey(keySpec, label: label) { keyID, publicKey in
                let subject = try DistinguishedName { CommonName("Signet Audit Checkpoints"); OrganizationName("Signet") }
                let plan = try IssuancePolicy.evaluate(
                    profile: rules,
                    request: RequestedCertificate(subject: subject, publicKey: publicKey, keyKind: keyKind),
                    issuer: signer.context,
                    urls: .under(base: publicBaseURL, caID: caID),
                    now: clock(),
                    log: &log
                )
                let record = try await certify(plan, by: signer.signer, issuerCAID: caID, profile: profile, requester: requester, decision: decision, log: log).record
                try await commit(record, log: log)
                return AuditSignerRecord(keyURI: PKCS11URI(token: token.configuration.label, id: keyID, object: label).description, certificateDER: record.der, caID: caID)
            }
        } catch let refusal as Refusal {
            try await recordRefusal(refusal, decision: decision)
            throw GateError.refused(refusal)
        }
    }

    /// Whether the audit key is on this core's token.
    public func holdsKey(_ signer: AuditSignerRecord) -> Bool {
        (try? PKCS11URI(parsing: signer.keyURI))?.token == token.configuration.label
    }

    /// Signs a checkpoint of the audit chain (`sequence` sealed records, hash-chain `head`)
    /// with the audit key and verifies the signature with its certificate before returning it.
    ///
    /// Records no decision: a record per checkpoint would move the head it attests, so the
    /// chain would never stand still. What this signs is bounded (one fixed-form statement)
    /// and names the certificate, so a checkpoint says nothing but what it is.
    public func signAuditCheckpoint(sequence: Int64, head: String, signer: AuditSignerRecord) async throws -> AuditCheckpoint {
        guard sequence > 0, head.count == 64, head.allSatisfy(\.isHexDigit) else {
            throw AuditSignerError("a checkpoint covers at least one record and names a SHA-256 head")
        }
        let certificate: Certificate
        do { certificate = try parsedCertificate(signer.certificateDER) } catch {
            throw AuditSignerError("the audit certificate cannot be parsed: \(error)")
        }
        if case .isCertificateAuthority = try? certificate.extensions.basicConstraints {
            throw AuditSignerError("the audit certificate is a CA certificate")
        }
        guard let usage = try? certificate.extensions.keyUsage, usage.digitalSignature else {
            throw AuditSignerError("the audit certificate does not grant digitalSignature")
        }
        let uri: PKCS11URI
        do { uri = try PKCS11URI(parsing: signer.keyURI) } catch {
            throw AuditSignerError("the audit key URI \(signer.keyURI) cannot be read")
        }
        guard uri.token == token.configuration.label else {
            throw AuditSignerError("the audit key is on token '\(uri.token)', not on the configured token '\(token.configuration.label)'")
        }
        let time = clock()
        let statement = AuditCheckpoint.statement(sequence: sequence, head: head, time: time, signer: signer.fingerprint)
        let algorithm = TokenSigningKey(token: token, keyID: uri.id, publicKey: certificate.publicKey).defaultSignatureAlgorithm
        var digest = try StreamingHash(for: algorithm)
        digest.update(statement)
        let signature = try await signDigest(digest.finalize(), keyID: uri.id, publicKey: certificate.publicKey, signerName: "audit key")
        let checkpoint = AuditCheckpoint(sequence: sequence, head: head, time: time, signer: signer.fingerprint, signature: signature.value)
        guard checkpoint.isValid(signedBy: certificate) else {
            logger.error("audit checkpoint signature did not verify")
            throw GateError.signatureNotVerified(caID: "audit key")
        }
        return checkpoint
    }
}

/// Why the audit key cannot sign a checkpoint (its record or certificate is unusable).
public struct AuditSignerError: Error, Sendable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
