import Foundation
import SignetCore
import Synchronization

/// Counts refusals of requests that carried no accepted credential (401s on `/api`, EST
/// refusals before the client proved who it is, OCSP error answers) and samples them into
/// the audit trail: at most one row per kind per ``interval``, carrying how many refusals
/// of that kind it stands for. Anyone can send such requests, so one audit row each would
/// let a flood grow the audit table (and the chain's sealing work) without bound.
/// Refusals of authenticated clients are not sampled: each keeps its own row.
final class RefusalSampler: Sendable {
    enum Kind: String, Sendable, CaseIterable {
        case api = "api.unauthenticated"
        case est = "est.unauthenticated"
        case ocsp = "ocsp.error"
    }

    static let interval: TimeInterval = 60

    private struct State {
        var totals: [Kind: Int] = [:]
        /// Refusals since the kind's last audit row.
        var unwritten: [Kind: Int] = [:]
        var writtenAt: [Kind: Date] = [:]
    }

    private let state = Mutex(State())
    private let trail: (any AuditTrail)?

    /// `trail` nil: count only (OCSP errors, which are not audited).
    init(trail: (any AuditTrail)?) {
        self.trail = trail
    }

    /// Refusals of each kind since the process started.
    func totals() -> [Kind: Int] { state.withLock { $0.totals } }

    /// Counts one refusal; writes the kind's aggregated row when its interval has passed,
    /// describing this refusal (action, target, status, rule) as the example of its kind.
    func refused(_ kind: Kind, action: String, target: String, outcome: Int, rule: String?, now: Date = Date()) async throws {
        let count: Int? = state.withLock { state in
            state.totals[kind, default: 0] += 1
            state.unwritten[kind, default: 0] += 1
            if let last = state.writtenAt[kind], now.timeIntervalSince(last) < Self.interval { return nil }
            state.writtenAt[kind] = now
            return state.unwritten.removeValue(forKey: kind)
        }
        guard let count, let trail else { return }
        try await trail.append(AuditRecord(
            category: .api, action: action, actor: "unauthenticated", target: target, outcome: String(outcome), failedRule: rule,
            detail: #"{"status":\#(outcome),"sampled":"\#(kind.rawValue)","count":\#(count),"interval_seconds":\#(Int(Self.interval))}"#
        ))
    }
}
