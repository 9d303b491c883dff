import Foundation
import SignetToken
import X509

extension SigningCore {
    /// Gives the CA a delegated OCSP responder: a new key in the token and a certificate the
    /// CA issues for it under `profileID` (which must grant OCSPSigning and not be a CA
    /// profile). With a nil profile the CA's own key signs responses again. Pre-signed
    /// responses of the CA are dropped so that the new signer takes over at once.
    public func setOCSPSigner(caID: String, profileID: String?, keySpec: KeySpec = .ecP256, requester: Requester) async throws -> CARecord {
        var decision = DecisionDraft(action: .setOCSPSigner, caID: caID, requester: requester)
        var log = RuleLog()
        do {
            let signer = try await signingCA(caID, log: &log)
            guard let profileID else {
                try await stores.cas.setOCSPSigner(caID: caID, nil)
                try await stores.ocsp.purge(issuerCAID: caID)
                try await stores.decisions.record(decision.record(.approved, rules: log.outcomes + [RuleOutcome(rule: "ocsp.signer", passed: true, detail: "the CA key signs")]))
                var record = signer.record
                record.ocspSigner = nil
                return record
            }
            let profile = try await profile(profileID, purpose: "the OCSP responder", log: &log)
            decision.profile = profile
            guard profile.profile.ocspResponder else {
                throw log.fail("ocsp.signer_profile", "profile '\(profileID)' is not an ocsp_responder profile; only those grant OCSPSigning")
            }
            log.pass("ocsp.signer_profile", "'\(profileID)' grants OCSPSigning")
            let keyKind = keySpec.publicKeyKind
            if let violation = CryptoBaseline.violation(keyKind) ?? profile.profile.cryptoEnforcement.violation(keyKind).map(\.detail) {
                throw log.fail("crypto_enforcement", violation)
            }
            let label = "signet-ocsp-\(caID)"
            let token = self.token
            return try await withNewTokenKey(keySpec, label: label) { keyID, publicKey in
                let subject = try DistinguishedName { CommonName("\(caID) OCSP Responder") }
                let plan = try IssuancePolicy.evaluate(
                    profile: profile.profile,
                    request: RequestedCertificate(subject: subject, publicKey: publicKey, keyKind: keyKind),
                    issuer: signer.context,
                    urls: PublicationURLs(),
                    now: clock(),
                    log: &log
                )
                let record = try await certify(plan, by: signer.signer, issuerCAID: caID, profile: profile, requester: requester, decision: decision, log: log).record
                try await commit(record, log: log)
                let delegated = OCSPSignerRecord(keyURI: PKCS11URI(token: token.configuration.label, id: keyID, object: label).description, certificateDER: record.der)
                try await stores.cas.setOCSPSigner(caID: caID, delegated)
                try await stores.ocsp.purge(issuerCAID: caID)
                var updated = signer.record
                updated.ocspSigner = delegated
                return updated
            }
        } catch let refusal as Refusal {
            try await recordRefusal(refusal, decision: decision)
            throw GateError.refused(refusal)
        }
    }
}
