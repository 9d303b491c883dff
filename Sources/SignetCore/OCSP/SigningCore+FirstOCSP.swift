import Foundation

/// A new certificate's first OCSP response, prepared before the certificate's approval is
/// recorded (so the approval covers it) and signed right after the certificate.
struct FirstOCSP: Sendable {
    let responder: OCSPResponder
    let serialNumber: String
    let prepared: SigningCore.PreparedOCSP
}

extension SigningCore {
    /// The responder that signs the first OCSP response of `caID`'s new certificates, or nil
    /// when responses are not signed at issuance or the CA's responder cannot sign (the
    /// pre-signer or the first request then signs it, as for any certificate without one).
    func firstOCSPResponder(caID: String) async -> OCSPResponder? {
        guard revocationSettings.ocspAtIssuance else { return nil }
        do { return try await ocspResponder(caID: caID) } catch {
            logger.warning("first OCSP response not signed at issuance", metadata: ["ca": "\(caID)", "error": "\(error)"])
            return nil
        }
    }

    /// The response `good` for `serialNumber`, built and linted; nil (logged) if the lint
    /// finds an error, which the pre-signer then records as its refusal.
    func prepareFirstOCSP(_ responder: OCSPResponder, serialNumber: String) -> FirstOCSP? {
        let prepared = prepareOCSP(responder, items: [(responder.sha1CertID(serialNumber: serialNumber), .good)], nonceExtension: nil)
        let lint = OCSPLint.lint(responseData: prepared.data)
        guard lint.passed else {
            logger.error("first OCSP response failed the lint; left to the pre-signer", metadata: ["ca": "\(responder.caID)", "rule": "\(lint.errors[0].name)"])
            return nil
        }
        return FirstOCSP(responder: responder, serialNumber: serialNumber, prepared: prepared)
    }

    /// The rule the approval records for the first response it covers.
    func firstOCSPRule(_ first: FirstOCSP) -> RuleOutcome {
        let signer = first.responder.storedName.isEmpty ? "the CA key" : "the delegated responder"
        return RuleOutcome(rule: "ocsp.first_response", passed: true, detail: "its first OCSP response (good), signed by \(signer) under revocation settings \(revocationSettings.versionHash.prefix(16)); lint passed")
    }

    /// Signs and verifies the prepared response. A failure leaves the certificate without
    /// one (logged): the pre-signer's next pass or the first request signs it.
    func signFirstOCSP(_ first: FirstOCSP) async -> StoredOCSPResponse? {
        do {
            let signed = try await signPrepared(first.responder, first.prepared)
            return StoredOCSPResponse(
                issuerCAID: first.responder.caID, serialNumber: first.serialNumber, hashAlgorithm: .sha1, revision: 0,
                responder: first.responder.storedName, producedAt: signed.producedAt, nextUpdate: signed.nextUpdate, der: signed.der
            )
        } catch {
            logger.warning("first OCSP response not signed at issuance", metadata: ["ca": "\(first.responder.caID)", "serial": "\(first.serialNumber)", "error": "\(error)"])
            return nil
        }
    }
}
