import Foundation
import SignetMetrics
import SwiftASN1
import X509

extension SigningCore {
    /// The requester named on decisions the server makes by itself (scheduled CRLs, OCSP).
    public static let systemRequester = Requester("signet")

    /// Whether this process can sign for the CA now (active, key on this token), asked
    /// without recording a decision: for background work that skips what is not its own.
    public func signsFor(caID: String) async throws -> Bool {
        var log = RuleLog()
        do { _ = try await signingCA(caID, log: &log) } catch is Refusal { return false }
        return true
    }

    /// Publishes what is due for the CA: a full CRL (first time, on schedule, after
    /// revocation changes settle or wait too long, or `forceFull`) with a fresh delta beside
    /// it, or a delta after revocation changes or before the last one expires. Returns what
    /// was published (nothing when nothing was due).
    @discardableResult
    public func publishCRLs(caID: String, forceFull: Bool = false, requester: Requester = SigningCore.systemRequester) async throws -> [CRLDraft] {
        var decision = DecisionDraft(action: .publishCRL, caID: caID, requester: requester)
        decision.policy = ("revocation-settings", revocationSettings.versionHash)
        var log = RuleLog()
        let signer: SigningCA
        do {
            signer = try await crlSigningCA(caID, log: &log)
            if let usage = try? signer.certificate.extensions.keyUsage, !usage.cRLSign {
                throw log.fail("ca.crl_sign", "CA '\(caID)' has no cRLSign key usage")
            }
        } catch let refusal as Refusal {
            try await recordRefusal(refusal, decision: decision)
            throw GateError.refused(refusal)
        }
        let distributionPoint = PublicationURLs.under(base: publicBaseURL, caID: caID).crlDistributionPoint
        let context = CRLContext(
            signer: signer.signer,
            issuerName: try signer.certificate.subjectDER(),
            ownSerial: signer.certificate.serialNumber.bytes.lowercaseHex,
            authorityKeyIdentifier: signer.context.keyIdentifier.map { Array($0) },
            distributionPoint: distributionPoint
        )
        let rules = log.outcomes
        let approvalDraft = decision
        do {
            let published = try await publish(context, caID: caID, forceFull: forceFull, decision: approvalDraft, rules: rules)
            for crl in published {
                SignetMetrics.count(.crlPublications, [("ca", MetricLabel.bounded("ca", caID)), ("kind", crl.kind.rawValue.lowercased())])
            }
            return published
        } catch let refusal as Refusal {
            // A CRL that fails the lint: the publication rolled back; the refusal is recorded outside it.
            logger.error("CRL failed the lint", metadata: ["ca": "\(caID)", "rule": "\(refusal.rule)"])
            try await recordRefusal(refusal, decision: decision)
            throw GateError.refused(refusal)
        }
    }

    private func publish(_ context: CRLContext, caID: String, forceFull: Bool, decision approvalDraft: DecisionDraft, rules: [RuleOutcome]) async throws -> [CRLDraft] {
        let settings = revocationSettings
        return try await stores.crls.publish(caID: caID) { [self] state, reader in
            let now = Date(timeIntervalSince1970: clock().timeIntervalSince1970.rounded(.down))
            // Changes reach the full CRL too, within a bound, not only the delta: most relying
            // parties never read a delta.
            let changesDue = settings.fullCRLDue(oldestChangeAge: state.oldestUnlistedChangeAge, newestChangeAge: state.newestUnlistedChangeAge)
            let fullDue = forceFull || changesDue || state.fullNumber == nil || state.fullDueAt.map { now >= $0 } ?? true
            let deltaDue = fullDue || state.revision > state.publishedRevision || state.deltaDueAt.map { now >= $0 } ?? true
            guard deltaDue else { return nil }
            var drafts: [CRLDraft] = []
            var number = state.lastNumber
            var base = (number: state.fullNumber ?? 0, revision: state.fullRevision ?? 0)
            if fullDue {
                number += 1
                let full = try await buildCRL(context, number: number, baseNumber: nil, revision: state.revision, now: now,
                                              selection: .revoked(notExpiredAt: now, excludingSerial: context.ownSerial),
                                              reader: reader, decision: approvalDraft, rules: rules)
                drafts.append(full)
                base = (number, state.revision)
            }
            number += 1
            drafts.append(try await buildCRL(context, number: number, baseNumber: base.number, revision: state.revision, now: now,
                                             selection: .changed(sinceRevision: base.revision),
                                             reader: reader, decision: approvalDraft, rules: rules))
            return CRLPublication(
                drafts: drafts,
                fullDueAt: fullDue ? now.addingTimeInterval(settings.fullCRLInterval) : (state.fullDueAt ?? now),
                deltaDueAt: now.addingTimeInterval(settings.deltaCRLValidity / 2)
            )
        }
    }

    struct CRLContext: Sendable {
        let signer: SignerKey
        let issuerName: [UInt8]
        let ownSerial: String
        let authorityKeyIdentifier: [UInt8]?
        let distributionPoint: String?
    }

    /// Pages through the entries once, storing them in chunks and linting each as it is
    /// encoded; lints the header and extensions; records the decision with the lint's
    /// outcome (a lint error is thrown as a refusal), signs the digest of the TBSCertList and
    /// verifies the signature. Memory stays at one page and one chunk, whatever the number of
    /// entries (plus the lint's 16 octets per serial for its duplicate check).
    private func buildCRL(_ context: CRLContext, number: Int64, baseNumber: Int64?, revision: Int64, now: Date,
                          selection: CRLEntrySelection, reader: any CRLPublishing,
                          decision: DecisionDraft, rules: [RuleOutcome]) async throws -> CRLDraft {
        let validity = baseNumber == nil ? revocationSettings.crlValidity : revocationSettings.deltaCRLValidity
        let nextUpdate = now.addingTimeInterval(validity)
        var writer = CRLWriter(number: number, sink: reader)
        var count = 0
        var entryLint = CRLEntryLint()
        var page: [UInt8] = []
        var after: String?
        repeat {
            let entries = try await reader.entries(selection, after: after, limit: Self.crlPage)
            for entry in entries {
                let encoded = CRLEncoding.entry(entry, thisUpdate: now)
                entryLint.check(encoded)
                page.append(contentsOf: encoded)
            }
            try await writer.appendEntries(page)
            page.removeAll(keepingCapacity: true)
            count += entries.count
            after = entries.count == Self.crlPage ? entries.last?.serialNumber : nil
        } while after != nil

        let algorithm = TokenSigningKey(token: token, keyID: context.signer.keyID, publicKey: context.signer.publicKey).defaultSignatureAlgorithm
        let algorithmIdentifier = try Self.algorithmIdentifier(algorithm)
        let head = CRLEncoding.tbsHead(.init(algorithmIdentifier: algorithmIdentifier, issuerName: context.issuerName, thisUpdate: now, nextUpdate: nextUpdate))
        let entriesHeader = count == 0 ? [] : CRLEncoding.header(0x30, length: writer.entriesLength)
        let tail = CRLEncoding.tbsTail(extensions: CRLEncoding.extensions(
            number: number, baseNumber: baseNumber, authorityKeyIdentifier: context.authorityKeyIdentifier, distributionPoint: context.distributionPoint
        ))
        let prefix = CRLEncoding.header(0x30, length: head.count + entriesHeader.count + writer.entriesLength + tail.count) + head + entriesHeader

        let kind = baseNumber == nil ? "full CRL" : "delta CRL on base \(baseNumber!)"
        var lint = CRLLint.header(head: head, tail: tail, signatureAlgorithm: algorithmIdentifier)
        lint.merge(entryLint.report)
        let outcomes = try lint.outcomes(
            after: rules + [RuleOutcome(rule: "crl.number", passed: true, detail: "\(kind) number \(number) with \(count) entries, revision \(revision)")],
            what: "the \(kind) number \(number)"
        )
        let approval = decision.record(.approved, rules: outcomes)
        try await reader.record(approval)

        let size = try await writer.finish(prefix: prefix, tail: tail, hash: try StreamingHash(for: algorithm)) { digest in
            let signature = try await signDigest(digest, keyID: context.signer.keyID, publicKey: context.signer.publicKey, signerName: context.signer.caID)
            return signature.algorithmIdentifier + DERBytes.bitString(signature.value)
        }
        return CRLDraft(
            number: number, kind: baseNumber == nil ? .full : .delta, baseNumber: baseNumber, revision: revision,
            thisUpdate: now, nextUpdate: nextUpdate, entries: count, decisionID: approval.id, size: size
        )
    }

    static let crlPage = 5000
}
