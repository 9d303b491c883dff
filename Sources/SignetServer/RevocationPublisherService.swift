import Foundation
import Logging
import ServiceLifecycle
import SignetCore
import SignetMetrics
import SignetStore

/// Keeps CRLs and pre-signed OCSP responses current for the CAs whose keys are on this
/// process's token. Every server process runs one; the database orders their work, so
/// several processes never publish two CRLs with the same number. A pass each second: a
/// delta follows a revocation change at once, a full CRL once the changes settle (or have
/// waited long enough; `RevocationSettings.fullCRLDue`), and both again on schedule.
struct RevocationPublisherService: Service {
    let core: SigningCore
    let database: Database
    let presignOCSP: Bool
    let logger: Logger

    /// A CA whose publication failed is retried after this long, not on every pass.
    static let failureBackoff: TimeInterval = 60
    /// How long this process's claim on pre-signing a CA's OCSP responses lasts unrenewed.
    static let refreshLease: TimeInterval = 30
    let processID = UUID()
    /// How long after its transaction began a certificate insert may still commit and be
    /// found by the next pre-signing pass.
    static let commitLag: TimeInterval = 10

    func run() async throws {
        var failedUntil: [String: Date] = [:]
        var ocspWatermarks: [String: OCSPRefreshMark] = [:]
        var pass = 0
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let now = Date()
            do {
                for caID in try await database.stores.crls.casNeedingCRLs(core.revocationSettings) where failedUntil[caID].map({ $0 <= now }) ?? true {
                    guard try await core.publishesCRLs(caID: caID) else { continue }
                    do {
                        try await core.publishCRLs(caID: caID)
                        failedUntil[caID] = nil
                    } catch {
                        failedUntil[caID] = now.addingTimeInterval(Self.failureBackoff)
                        logger.warning("CRL publication failed; retrying later", metadata: ["ca": "\(caID)", "error": "\(String(reflecting: error))"])
                    }
                }
                if presignOCSP && pass % 5 == 0 {
                    try await refreshOCSP(&ocspWatermarks)
                }
            } catch {
                logger.warning("revocation publishing pass failed", metadata: ["error": "\(String(reflecting: error))"])
            }
            pass += 1
            try? await Task.sleep(for: .seconds(1))
        }
    }

    /// Pre-signs responses for new certificates and renews expiring ones, CA by CA.
    private func refreshOCSP(_ watermarks: inout [String: OCSPRefreshMark]) async throws {
        for ca in try await database.stores.cas.cas() where ca.status == .active && ca.keyURI != nil {
            guard try await core.signsFor(caID: ca.id),
                  try await database.stores.ocsp.claimRefresh(issuerCAID: ca.id, holder: processID, for: Self.refreshLease) else { continue }
            let started = Date()
            let refreshed = try await core.refreshOCSP(caID: ca.id, from: watermarks[ca.id] ?? .start)
            SignetMetrics.count(.ocspPresigned, by: refreshed.signed)
            var next = refreshed.next
            // Everything issued before this pass is signed now. issued_at is a transaction's
            // start, so a late commit can carry an earlier time: next time, look back a little
            // before this pass began. Signed ones no longer match, but each is still probed on
            // every pass within the look-back, so it is kept short: certificate inserts are
            // single statements under a 5 s deadline. A certificate committed later than that
            // is signed on its first OCSP request instead (the responder signs what it lacks).
            next.issuedFrom = started.addingTimeInterval(-Self.commitLag)
            watermarks[ca.id] = next
        }
    }
}
