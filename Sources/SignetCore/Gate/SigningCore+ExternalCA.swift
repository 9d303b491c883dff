import Foundation
import X509

/// A CA certificate for a key Signet does not hold: a partner's or an offline sub-CA's.
public struct ExternalCARequest: Sendable {
    /// The id the new (keyless) CA gets in Signet.
    public var id: String
    /// The CA that certifies it; it must hold its key and allow `profileID`.
    public var parentID: String
    /// The external key's CSR (PEM, DER or base64 DER).
    public var csr: [UInt8]
    /// A `sign_as_ca` profile marked `external_ca`.
    public var profileID: String
    public var requester: Requester

    public init(id: String, parentID: String, csr: [UInt8], profileID: String, requester: Requester) {
        self.id = id
        self.parentID = parentID
        self.csr = csr
        self.profileID = profileID
        self.requester = requester
    }
}

extension SigningCore {
    /// Certifies an external CA key: administrators only, under a profile that says
    /// `external_ca`, recorded as its own action (SIGN_EXTERNAL_CA). The new CA is stored
    /// without a key, so it is a trust anchor and a parent in Signet, never a signer.
    public func signExternalCA(_ request: ExternalCARequest) async throws -> CARecord {
        var decision = DecisionDraft(action: .signExternalCA, caID: request.parentID, requester: request.requester)
        var log = RuleLog()
        do {
            try checkAdministrator(request.requester, action: "certifying an external CA key", log: &log)
            try await checkNewCAID(request.id, log: &log)
            let parent = try await signingCA(request.parentID, log: &log)
            let stored = try await profile(request.profileID, purpose: "the external CA certificate", log: &log)
            decision.profile = stored
            guard stored.profile.signAsCA, stored.profile.externalCA else {
                throw log.fail("profile.external_ca", "profile '\(stored.profile.id)' is not a sign_as_ca profile marked external_ca")
            }
            log.pass("profile.external_ca", "'\(stored.profile.id)'")
            try checkAllowed(stored.profile.id, by: parent.record, log: &log)
            var effective = stored.profile
            effective.pathLength = try pathLength(effective.pathLength, under: parent.certificate, log: &log)
            let requested = try Self.readCSR(request.csr, profile: effective, decision: &decision, log: &log)
            let plan = try IssuancePolicy.evaluate(
                profile: effective, request: requested, issuer: parent.context,
                urls: .under(base: publicBaseURL, caID: parent.record.id), now: clock(), log: &log
            )
            let record = try await certify(plan, by: parent.signer, issuerCAID: parent.record.id, profile: stored, requester: request.requester, decision: decision, log: log).record
            let ca = CARecord(
                id: request.id, kind: .imported, parentID: parent.record.id, level: parent.record.level + 1,
                certificateDER: record.der, keyURI: nil, profileID: stored.profile.id, issuanceProfileID: nil, allowedProfiles: [], status: .active
            )
            try await stores.cas.insert(ca, certificate: record)
            GateMetrics.issued(record)
            return ca
        } catch let refusal as Refusal {
            try await recordRefusal(refusal, decision: decision)
            throw GateError.refused(refusal)
        }
    }
}
