import Foundation
import SignetToken

/// An OCSP answer: always a DER OCSPResponse, with its validity when it may be cached.
public struct OCSPAnswer: Sendable {
    public let der: [UInt8]
    /// Set for successful responses without a nonce (RFC 5019 caching).
    public let producedAt: Date?
    public let nextUpdate: Date?
    /// Where the answer came from, for `signet_ocsp_answers_total`.
    public var source: Source = .signed

    public enum Source: String, Sendable {
        /// A stored response (pre-signed, or kept from an earlier request).
        case presigned
        /// The cache of `unknown` answers.
        case cached
        /// Signed by the token for this request.
        case signed
        /// An unsigned error status.
        case none
    }

    public static func status(_ status: OCSPResponseStatus) -> OCSPAnswer {
        OCSPAnswer(der: OCSPEncoding.status(status), producedAt: nil, nextUpdate: nil, source: .none)
    }

    /// The status of an unsigned error answer; nil for a signed response.
    public var errorStatus: OCSPResponseStatus? {
        guard der.count == 5, der[0] == 0x30, der[2] == 0x0A else { return nil }
        return OCSPResponseStatus(rawValue: der[4])
    }
}

extension SigningCore {
    static let ocspRequester = Requester("ocsp")

    /// Answers an OCSP request: a bad request gets `malformedRequest`, an issuer Signet does
    /// not answer for gets `unauthorized`, a token outage `tryLater`. Store failures are
    /// thrown, for the front end to answer `tryLater` or `internalError`.
    ///
    /// Anyone may ask, so the token work a request can cause is bounded (see
    /// ``OCSPOnDemandLimits``): more CertIDs than `ocsp_max_certids` is `malformedRequest`;
    /// a nonce is ignored unless `ocsp_nonce` is `honour`; a single-certificate request is
    /// answered from a pre-signed response when one is current, from the cache of `unknown`
    /// answers for serials the CA never issued, or else signed now (and kept for next time).
    public func answerOCSP(_ der: [UInt8]) async throws -> OCSPAnswer {
        let request: OCSPRequestInfo
        do { request = try OCSPRequestReader.read(der) } catch {
            logger.debug("malformed OCSP request", metadata: ["error": "\(error)"])
            return .status(.malformedRequest)
        }
        guard request.certIDs.count <= revocationSettings.ocspMaxCertIDs else {
            logger.debug("OCSP request with too many CertIDs", metadata: ["count": "\(request.certIDs.count)", "maximum": "\(revocationSettings.ocspMaxCertIDs)"])
            return .status(.malformedRequest)
        }
        do {
            var issuer: String?
            for certID in request.certIDs {
                guard let caID = try await ocspIssuers.caID(for: certID, load: { try await self.stores.cas.cas() }),
                      issuer == nil || issuer == caID else {
                    // Unknown issuers, or several in one request (one responder signs one answer).
                    return .status(.unauthorized)
                }
                issuer = caID
            }
            let caID = issuer!
            var nonce = revocationSettings.ocspNonce == .honour ? request.nonceExtension : nil
            if request.certIDs.count > 1 {
                guard ocspLimits.takeOnDemand() else { return .status(.tryLater) }
            } else if nonce != nil, !ocspLimits.takeOnDemand() {
                nonce = nil // over the rate limit: answered as if no nonce had been sent
            }
            let cacheable = request.certIDs.count == 1 && nonce == nil
            let now = clock()
            if cacheable, let stored = try await stores.ocsp.response(issuerCAID: caID, serialNumber: request.certIDs[0].serialNumber, hashAlgorithm: request.certIDs[0].hashAlgorithm, validAfter: now) {
                return OCSPAnswer(der: stored.der, producedAt: stored.producedAt, nextUpdate: stored.nextUpdate, source: .presigned)
            }
            let unknownKey = OCSPOnDemandLimits.key(caID: caID, certID: request.certIDs[0])
            if cacheable, let cached = ocspLimits.cachedUnknown(unknownKey, now: now) {
                return OCSPAnswer(der: cached.der, producedAt: cached.producedAt, nextUpdate: cached.nextUpdate, source: .cached)
            }
            guard let responder = try await ocspResponder(caID: caID) else { return .status(.unauthorized) }
            let statuses = try await stores.ocsp.statuses(issuerCAID: caID, serialNumbers: request.certIDs.map(\.serialNumber))
            let items = request.certIDs.map { certID in
                (certID.encoded, statuses[certID.serialNumber]?.status ?? .unknown)
            }
            if cacheable, statuses[request.certIDs[0].serialNumber] == nil {
                return try await answerUnknown(responder, certID: items[0].0, key: unknownKey)
            }
            let signed = try await signOCSP(responder, items: items, serials: request.certIDs.map(\.serialNumber), nonceExtension: nonce, requester: Self.ocspRequester)
            if cacheable, let known = statuses[request.certIDs[0].serialNumber] {
                try await stores.ocsp.save([StoredOCSPResponse(
                    issuerCAID: caID, serialNumber: known.serialNumber, hashAlgorithm: request.certIDs[0].hashAlgorithm,
                    revision: known.revision, responder: responder.storedName, producedAt: signed.producedAt, nextUpdate: signed.nextUpdate, der: signed.der
                )])
            }
            return OCSPAnswer(der: signed.der, producedAt: nonce == nil ? signed.producedAt : nil, nextUpdate: nonce == nil ? signed.nextUpdate : nil)
        } catch GateError.token(let error) where error.isTokenLoss {
            logger.warning("OCSP answered tryLater: token unavailable", metadata: ["error": "\(error)"])
            return .status(.tryLater)
        } catch is OCSPResponderUnavailable {
            return .status(.tryLater)
        } catch GateError.refused {
            // The response failed the lint (recorded): Signet's fault, not the client's.
            return .status(.internalError)
        }
    }

    /// An `unknown` answer for a serial the CA never issued, signed within the CA's budget
    /// under the one decision that covers the budget's window, and cached; past the budget,
    /// an unsigned `unauthorized`.
    private func answerUnknown(_ responder: OCSPResponder, certID: [UInt8], key: String) async throws -> OCSPAnswer {
        let settings = revocationSettings
        let decisions = stores.decisions
        guard let covered = ocspLimits.takeUnknown(caID: responder.caID, record: {
            var decision = DecisionDraft(action: .signOCSP, caID: responder.caID, requester: Self.ocspRequester)
            decision.policy = ("revocation-settings", settings.versionHash)
            try await decisions.record(decision.record(.approved, rules: [RuleOutcome(
                rule: "ocsp.unknown", passed: true,
                detail: "up to \(OCSPOnDemandLimits.unknownBudget) responses with status unknown for serials the CA never issued, within \(OCSPOnDemandLimits.unknownWindow)"
            )]))
        }) else {
            return .status(.unauthorized)
        }
        do { try await covered.value } catch {
            ocspLimits.forgetWindow(caID: responder.caID)
            throw error
        }
        let signed = try await signOCSP(responder, items: [(certID, .unknown)], serials: [], nonceExtension: nil, requester: nil)
        ocspLimits.keep(key, .init(der: signed.der, producedAt: signed.producedAt, nextUpdate: signed.nextUpdate,
                                   refreshAt: signed.nextUpdate.addingTimeInterval(-settings.ocspRefreshBefore)), now: clock())
        return OCSPAnswer(der: signed.der, producedAt: signed.producedAt, nextUpdate: signed.nextUpdate)
    }

    /// Pre-signs responses for certificates issued from `mark.issuedFrom` on that have none,
    /// then for certificates whose revocation state changed at `mark.revision` or later, a
    /// batch at a time, then renews responses that expire within the refresh window.
    /// Returns how many were signed and where to continue from next time.
    ///
    /// This is the only pre-signer: a revocation change is re-signed here, by the process
    /// holding the CA's lease, not also by the process that made the change (the two raced
    /// and signed the same response twice). Until then the responder signs on request.
    @discardableResult
    public func refreshOCSP(caID: String, from mark: OCSPRefreshMark, batch: Int = 500) async throws -> (signed: Int, next: OCSPRefreshMark) {
        guard let responder = try await ocspResponder(caID: caID) else { return (0, mark) }
        var next = mark
        // Certificates committed together share an issue time: continue from it (>=); the
        // ones already signed no longer match.
        var signed = try await presignInBatches(responder, batch: batch) {
            let unsigned = try await stores.ocsp.unsignedCertificates(issuerCAID: caID, hashAlgorithm: .sha1, issuedFrom: next.issuedFrom, limit: batch)
            if let last = unsigned.last?.1 { next.issuedFrom = last }
            return unsigned.map(\.0)
        }
        // Revisions are assigned under the CA's revision row lock, so they commit in order:
        // nothing below the last one seen can appear later. Many certificates share the
        // revision of a CA revocation; continue from it (>=), as above.
        signed += try await presignInBatches(responder, batch: batch) {
            let changed = try await stores.ocsp.changedCertificates(issuerCAID: caID, hashAlgorithm: .sha1, fromRevision: next.revision, limit: batch)
            if let last = changed.last?.revision { next.revision = last }
            return changed
        }
        signed += try await presignInBatches(responder, batch: batch) {
            let refreshBefore = clock().addingTimeInterval(revocationSettings.ocspRefreshBefore)
            return try await stores.ocsp.expiringResponses(issuerCAID: caID, hashAlgorithm: .sha1, refreshBefore: refreshBefore, limit: batch)
        }
        return (signed, next)
    }

    /// Pre-signs what `nextBatch` finds until a batch comes back short; how many it signed.
    private func presignInBatches(_ responder: OCSPResponder, batch: Int, _ nextBatch: () async throws -> [OCSPCertificateStatus]) async throws -> Int {
        var signed = 0
        while true {
            let statuses = try await nextBatch()
            try await presign(responder, statuses: statuses)
            signed += statuses.count
            if statuses.count < batch { return signed }
        }
    }

    private func presign(_ responder: OCSPResponder, statuses: [OCSPCertificateStatus]) async throws {
        guard !statuses.isEmpty else { return }
        var decision = DecisionDraft(action: .signOCSP, caID: responder.caID, requester: Self.systemRequester)
        decision.policy = ("revocation-settings", revocationSettings.versionHash)
        let prepared = statuses.map { status in
            prepareOCSP(responder, items: [(responder.sha1CertID(serialNumber: status.serialNumber), status.status)], nonceExtension: nil)
        }
        var lint = LintReport()
        for response in prepared { lint.merge(OCSPLint.lint(responseData: response.data)) }
        try await recordOCSPDecision(decision, [
            RuleOutcome(rule: "ocsp.presign", passed: true, detail: "\(statuses.count) responses, serials \(statuses.first!.serialNumber)…\(statuses.last!.serialNumber)"),
        ], lint: lint, what: "\(statuses.count) OCSP responses")
        var responses: [StoredOCSPResponse] = []
        for (status, response) in zip(statuses, prepared) {
            let signed = try await signPrepared(responder, response)
            responses.append(StoredOCSPResponse(
                issuerCAID: responder.caID, serialNumber: status.serialNumber, hashAlgorithm: .sha1,
                revision: status.revision, responder: responder.storedName, producedAt: signed.producedAt, nextUpdate: signed.nextUpdate, der: signed.der
            ))
        }
        try await stores.ocsp.save(responses)
    }

    /// A ResponseData built and not yet signed.
    struct PreparedOCSP {
        let data: [UInt8]
        let producedAt: Date
        let nextUpdate: Date
    }

    func prepareOCSP(_ responder: OCSPResponder, items: [([UInt8], OCSPCertStatus)], nonceExtension: [UInt8]?) -> PreparedOCSP {
        let now = Date(timeIntervalSince1970: clock().timeIntervalSince1970.rounded(.down))
        let nextUpdate = now.addingTimeInterval(revocationSettings.ocspValidity)
        let singles = items.map { OCSPEncoding.singleResponse(certID: $0.0, status: $0.1, thisUpdate: now, nextUpdate: nextUpdate) }
        let data = OCSPEncoding.responseData(responderKeyHash: responder.keyHash, producedAt: now, responses: singles, extensions: nonceExtension.map { [$0] } ?? [])
        return PreparedOCSP(data: data, producedAt: now, nextUpdate: nextUpdate)
    }

    /// Records the decision with the lint's outcome; a lint error is recorded as the refusal
    /// and thrown, so nothing is signed.
    /// Records the approval with the lint's outcome, or the lint's refusal. With
    /// `approvalRecorded`, an earlier decision already covers the signature (the unknown-serial
    /// budget's window): only a refusal is written.
    private func recordOCSPDecision(_ decision: DecisionDraft, _ rules: [RuleOutcome], lint: LintReport, what: String, approvalRecorded: Bool = false) async throws {
        let outcomes: [RuleOutcome]
        do { outcomes = try lint.outcomes(after: rules, what: what) } catch let refusal as Refusal {
            logger.error("OCSP response failed the lint", metadata: ["ca": "\(decision.caID)", "rule": "\(refusal.rule)"])
            try await recordRefusal(refusal, decision: decision)
            throw GateError.refused(refusal)
        }
        if !approvalRecorded { try await stores.decisions.record(decision.record(.approved, rules: outcomes)) }
    }

    func signPrepared(_ responder: OCSPResponder, _ prepared: PreparedOCSP) async throws -> (der: [UInt8], producedAt: Date, nextUpdate: Date) {
        let signature = try await signStructure(prepared.data, keyID: responder.keyID, publicKey: responder.publicKey, signerName: responder.caID)
        return (OCSPEncoding.successful(responseData: prepared.data, signature: signature, certificates: responder.certificates), prepared.producedAt, prepared.nextUpdate)
    }

    /// Builds, lints, records and signs one response for a request. A nil requester means
    /// an earlier decision covers it (the unknown-serial window): the lint still stands
    /// before the token, but only a refusal is recorded.
    /// - Parameter serials: the certificates answered for, named in the decision (none for
    ///   an `unknown` answer, whose decision covers its window's budget).
    private func signOCSP(_ responder: OCSPResponder, items: [([UInt8], OCSPCertStatus)], serials: [String], nonceExtension: [UInt8]?, requester: Requester?) async throws -> (der: [UInt8], producedAt: Date, nextUpdate: Date) {
        let prepared = prepareOCSP(responder, items: items, nonceExtension: nonceExtension)
        var decision = DecisionDraft(action: .signOCSP, caID: responder.caID, requester: requester ?? Self.ocspRequester)
        decision.policy = ("revocation-settings", revocationSettings.versionHash)
        if serials.count == 1 { decision.serialNumber = serials[0] }
        let answered = zip(serials, items).map { "\($0.0): \($0.1.1)" }
        try await recordOCSPDecision(decision, [
            RuleOutcome(rule: "ocsp.status", passed: true, detail: (answered.isEmpty ? items.map { "\($0.1)" } : answered).joined(separator: ", ") + (nonceExtension == nil ? "" : "; nonce echoed")),
        ], lint: OCSPLint.lint(responseData: prepared.data), what: "the OCSP response", approvalRecorded: requester == nil)
        return try await signPrepared(responder, prepared)
    }
}
