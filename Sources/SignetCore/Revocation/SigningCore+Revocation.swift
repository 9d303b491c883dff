import Foundation

extension SigningCore {
    /// Revokes a certificate. Revocation is final except for CertificateHold, which
    /// `unhold` can lift. A CA's own certificate is revoked through `revokeCA`, so that
    /// the CA and everything below it stop together. OCSP needs no step here: a stored
    /// response of an older revision is no longer served (the responder signs on request
    /// until the CA's pre-signer re-signs the certificate on its next pass).
    public func revoke(serialNumber: String, reason: RevocationReason, invalidityDate: Date? = nil, requester: Requester) async throws -> RevocationState {
        let serial = serialNumber.lowercased()
        var decision = DecisionDraft(action: .revoke, caID: "", requester: requester)
        decision.serialNumber = serial
        let now = clock()
        do {
            guard reason != .removeFromCRL else {
                var log = RuleLog()
                throw log.fail("revocation.reason", "RemoveFromCRL is not a revocation reason; lift a CertificateHold with status ACTIVE", kind: .malformed)
            }
            if let invalidityDate, invalidityDate > now {
                var log = RuleLog()
                throw log.fail("revocation.invalidity_date", "invalidity_date is in the future", kind: .malformed)
            }
            let changed = try await stores.revocations.changeRevocation(serialNumber: serial) { state in
                var log = RuleLog()
                log.pass("certificate.exists", "issued by CA '\(state.issuerCAID)'")
                if let ca = state.certifiesCA {
                    throw log.fail("revocation.not_ca", "\(serial) is the certificate of CA '\(ca)'; revoke the CA instead (POST /api/ca/v1/cas/\(ca)/status)", kind: .conflict)
                }
                if state.isRevoked {
                    let current = state.reason?.name ?? "Unspecified"
                    let rule = state.reason == .certificateHold && reason != .certificateHold ? nil : "revocation.already_revoked"
                    if let rule {
                        throw log.fail(rule, "certificate \(serial) is already revoked (\(current)) since \(RFC3339.string(state.revokedAt ?? now))", kind: .conflict)
                    }
                    // A held certificate may be revoked for good; the original revocation date stays.
                }
                var next = state
                next.isRevoked = true
                next.reason = reason
                next.revokedAt = state.revokedAt ?? now
                next.invalidityDate = invalidityDate ?? state.invalidityDate
                return next
            }
            guard let changed else {
                var log = RuleLog()
                throw log.fail("certificate.exists", "no certificate with serial \(serial)", kind: .notFound)
            }
            decision.caID = changed.issuerCAID
            try await stores.decisions.record(decision.record(.approved, rules: [RuleOutcome(rule: "revocation.allowed", passed: true, detail: reason.name)], serialNumber: serial))
            GateMetrics.revoked(1, reason: reason, scope: "certificate")
            return changed
        } catch let refusal as Refusal {
            try await recordRefusal(refusal, decision: decision)
            throw GateError.refused(refusal)
        }
    }

    /// Returns a certificate on CertificateHold to ACTIVE. Any other revocation is final.
    public func unhold(serialNumber: String, requester: Requester) async throws -> RevocationState {
        let serial = serialNumber.lowercased()
        var decision = DecisionDraft(action: .unhold, caID: "", requester: requester)
        decision.serialNumber = serial
        do {
            let changed = try await stores.revocations.changeRevocation(serialNumber: serial) { state in
                var log = RuleLog()
                log.pass("certificate.exists", "issued by CA '\(state.issuerCAID)'")
                guard state.isRevoked else {
                    throw log.fail("revocation.on_hold", "certificate \(serial) is not revoked", kind: .conflict)
                }
                guard state.reason == .certificateHold else {
                    throw log.fail("revocation.on_hold", "certificate \(serial) is revoked for \(state.reason?.name ?? "Unspecified"), which is final; only CertificateHold can be lifted", kind: .conflict)
                }
                var next = state
                next.isRevoked = false
                next.reason = nil
                next.revokedAt = nil
                next.invalidityDate = nil
                return next
            }
            guard let changed else {
                var log = RuleLog()
                throw log.fail("certificate.exists", "no certificate with serial \(serial)", kind: .notFound)
            }
            decision.caID = changed.issuerCAID
            try await stores.decisions.record(decision.record(.approved, rules: [RuleOutcome(rule: "revocation.on_hold", passed: true, detail: "hold lifted")], serialNumber: serial))
            return changed
        } catch let refusal as Refusal {
            try await recordRefusal(refusal, decision: decision)
            throw GateError.refused(refusal)
        }
    }

    /// Revokes a CA: it and every subordinate CA stop signing, and their certificates are
    /// revoked (the CA's own for `reason`, everything else for CessationOfOperation).
    public func revokeCA(id: String, reason: RevocationReason, requester: Requester) async throws -> CARevocationOutcome {
        let decision = DecisionDraft(action: .revokeCA, caID: id, requester: requester)
        do {
            guard reason != .removeFromCRL, reason != .certificateHold else {
                var log = RuleLog()
                throw log.fail("revocation.reason", "a CA's revocation is final; \(reason.name) is not allowed", kind: .malformed)
            }
            let outcome = try await stores.revocations.revokeCA(id: id, reason: reason, at: clock()) { status in
                var log = RuleLog()
                guard status == .active else {
                    throw log.fail("ca.active", "CA '\(id)' is already \(status.rawValue)", kind: .conflict)
                }
            }
            guard let outcome else {
                var log = RuleLog()
                throw log.fail("ca.exists", "no CA with id '\(id)'", kind: .notFound)
            }
            stores.cas.forget(ids: outcome.revokedCAs)
            try await stores.decisions.record(decision.record(.approved, rules: [
                RuleOutcome(rule: "revocation.allowed", passed: true, detail: "\(reason.name); CAs \(outcome.revokedCAs); \(outcome.revokedCertificates) certificates"),
            ]))
            GateMetrics.revoked(outcome.revokedCertificates, reason: reason, scope: "ca")
            return outcome
        } catch let refusal as Refusal {
            try await recordRefusal(refusal, decision: decision)
            throw GateError.refused(refusal)
        }
    }
}
