import Foundation
import SignetToken
import SwiftASN1
import X509

/// The key that will sign: an existing CA's, or a new root's own.
struct SignerKey {
    let caID: String
    let issuerName: DistinguishedName
    let keyID: [UInt8]
    let publicKey: Certificate.PublicKey
}

extension SigningCA {
    var signer: SignerKey {
        SignerKey(caID: record.id, issuerName: certificate.subject, keyID: keyID, publicKey: certificate.publicKey)
    }
}

extension SigningCore {
    /// Lints the TBSCertificate and records the decision with the lint's outcome, then signs
    /// in the token, then verifies the signature. Returns the certificate (not yet stored)
    /// and the approving decision's id; a lint error is a refusal naming the lint.
    ///
    /// swift-certificates hands the TBS bytes to the key, so linting and recording happen in
    /// the key's `beforeSigning`: the certificate is built once and the bytes linted are the
    /// bytes signed.
    ///
    /// With `firstOCSP`, the approval also covers the certificate's first OCSP response
    /// (good), which is signed after the certificate and returned beside it.
    func sign(
        _ plan: CertificatePlan, by signer: SignerKey, decision: DecisionDraft, log: RuleLog, firstOCSP responder: OCSPResponder? = nil
    ) async throws -> (certificate: Certificate, approvalID: UUID, firstOCSP: StoredOCSPResponse?) {
        let serial = SerialNumbers.random()
        let approvalID = TimeOrdered.uuid()
        let firstOCSP = responder.flatMap { prepareFirstOCSP($0, serialNumber: SerialNumbers.hex(serial)) }
        let firstOCSPOutcome = firstOCSP.map(firstOCSPRule)
        var key = TokenSigningKey(token: token, keyID: signer.keyID, publicKey: signer.publicKey)
        let algorithm = key.defaultSignatureAlgorithm
        let algorithmIdentifier = try Self.algorithmIdentifier(algorithm)
        let decisions = stores.decisions
        key.beforeSigning = { tbs in
            var log = log
            try IssuanceStages.time(.lint) {
                try log.apply(CertificateLint.lint(tbs: tbs[...], signatureAlgorithm: algorithmIdentifier[...]), to: "the certificate")
            }
            if let firstOCSPOutcome { log.pass(firstOCSPOutcome.rule, firstOCSPOutcome.detail) }
            try await IssuanceStages.time(.decision) {
                try await decisions.record(decision.record(.approved, rules: log.outcomes, serialNumber: SerialNumbers.hex(serial), id: approvalID))
            }
        }
        let certificate: Certificate
        do {
            certificate = try await IssuanceStages.time(.certificate) { try await Certificate(
                version: .v3,
                serialNumber: serial,
                publicKey: plan.publicKey,
                notValidBefore: plan.notBefore,
                notValidAfter: plan.notAfter,
                issuer: signer.issuerName,
                subject: plan.subject,
                signatureAlgorithm: algorithm,
                extensions: plan.extensions,
                issuerAsyncPrivateKey: Certificate.PrivateKey(key)
            ) }
        } catch let error as TokenError {
            try await recordFailure("token.sign", "\(error)", decision: decision, log: log)
            throw GateError.token(error)
        }
        guard IssuanceStages.time(.verify, { signer.publicKey.isValidSignature(certificate.signature, for: certificate) }) else {
            logger.error("token signature did not verify", metadata: ["ca": "\(signer.caID)", "serial": "\(SerialNumbers.hex(serial))"])
            try await recordFailure("token.signature_verification", "the signature did not verify against CA '\(signer.caID)'", decision: decision, log: log)
            throw GateError.signatureNotVerified(caID: signer.caID)
        }
        let response: StoredOCSPResponse?
        if let firstOCSP { response = await IssuanceStages.time(.firstOCSP) { await signFirstOCSP(firstOCSP) } } else { response = nil }
        return (certificate, approvalID, response)
    }

    /// Signs `plan` as ``sign(_:by:decision:log:)`` does and describes the certificate as the
    /// row the store keeps (not yet stored: each caller stores it with what belongs beside it).
    func certify(
        _ plan: CertificatePlan, by signer: SignerKey, issuerCAID: String, profile: StoredProfile, requester: Requester, decision: DecisionDraft, log: RuleLog,
        firstOCSP responder: OCSPResponder? = nil
    ) async throws -> (certificate: Certificate, record: CertificateRecord, firstOCSP: StoredOCSPResponse?) {
        let signed = try await sign(plan, by: signer, decision: decision, log: log, firstOCSP: responder)
        let record = try CertificateRecord(signed.certificate, plan: plan, issuerCAID: issuerCAID, profile: profile, requester: requester, decisionID: signed.approvalID)
        return (signed.certificate, record, signed.firstOCSP)
    }

    /// Commits a certificate `certify` returned. One whose CA was revoked or retired after the
    /// gate checked it is not stored (``IssuerNotActive``): that is a refusal under
    /// `ca.can_sign`, thrown for the caller's refusal handling to record.
    func commit(_ record: CertificateRecord, firstOCSP: StoredOCSPResponse? = nil, log: RuleLog) async throws {
        do {
            try await stores.certificates.insert(record, firstOCSPResponse: firstOCSP)
            GateMetrics.issued(record)
        } catch let inactive as IssuerNotActive {
            var log = log
            throw log.fail("ca.can_sign", "CA '\(inactive.caID)' became \(inactive.status) before certificate \(record.serialNumber) (approved by decision \(record.decisionID)) was committed: it was discarded, never stored or returned", kind: .conflict)
        }
    }

    func recordRefusal(_ refusal: Refusal, decision: DecisionDraft) async throws {
        logger.info("refused", metadata: ["action": "\(decision.action.rawValue)", "ca": "\(decision.caID)", "rule": "\(refusal.rule)"])
        try await stores.decisions.record(decision.record(.refused, rules: refusal.outcomes, failedRule: refusal.rule))
    }

    private func recordFailure(_ rule: String, _ detail: String, decision: DecisionDraft, log: RuleLog) async throws {
        var log = log
        _ = log.fail(rule, detail)
        try await stores.decisions.record(decision.record(.failed, rules: log.outcomes, failedRule: rule))
    }
}

extension CertificateRecord {
    init(_ certificate: Certificate, plan: CertificatePlan, issuerCAID: String, profile: StoredProfile, requester: Requester, decisionID: UUID) throws {
        self.init(
            serialNumber: SerialNumbers.hex(certificate.serialNumber),
            issuerCAID: issuerCAID,
            subject: certificate.subject.description,
            commonName: certificate.subject.commonName,
            keyType: plan.keyKind.typeName,
            keySize: plan.keyKind.size,
            notBefore: certificate.notValidBefore,
            notAfter: certificate.notValidAfter,
            status: .active,
            profileID: profile.profile.id,
            profileVersion: profile.version,
            requester: requester.name,
            decisionID: decisionID,
            der: try certificate.der()
        )
    }
}

extension DistinguishedName {
    /// The first common name, if any.
    public var commonName: String? {
        flatMap { $0 }.first { $0.type == .RDNAttributeType.commonName }.flatMap { String($0.value) }
    }
}

extension Certificate {
    /// The certificate's DER encoding.
    public func der() throws -> [UInt8] {
        var serializer = DER.Serializer()
        try serializer.serialize(self)
        return serializer.serializedBytes
    }

    /// The subject Name's DER: a CRL's issuer, and what OCSP CertIDs hash.
    func subjectDER() throws -> [UInt8] {
        var serializer = DER.Serializer()
        try serializer.serialize(subject)
        return serializer.serializedBytes
    }
}
