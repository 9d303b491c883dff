import Foundation
import Synchronization

/// Bounds the token work anonymous OCSP requests can cause. Pre-signed responses cover the
/// certificates a CA issued; what remains is signed on demand and bounded here:
///
/// - `unknown` answers (serials the CA never issued) are kept per CA and CertID until
///   `ocsp_refresh_before` ahead of their nextUpdate, in a cache of at most
///   ``maximumCachedUnknowns`` entries, so repeating a request costs nothing. New ones are
///   signed within a budget of ``unknownBudget`` per CA per ``unknownWindow``, covered by
///   one decision per window (not one per request); past the budget the answer is an
///   unsigned `unauthorized` (RFC 5019 §2.2.3: no pre-produced response is available).
/// - Responses echoing a nonce (with `ocsp_nonce: honour`) or covering several CertIDs
///   (with `ocsp_max_certids` above 1) take a token from one bucket of ``onDemandBurst``
///   refilled at ``onDemandRate`` per second, per process. Without one, a nonce is ignored
///   (the pre-signed response is served) and a request for several certificates is
///   answered `tryLater`.
final class OCSPOnDemandLimits: Sendable {
    static let unknownBudget = 16
    static let unknownWindow: Duration = .seconds(60)
    static let maximumCachedUnknowns = 10_000
    static let onDemandBurst: Double = 20
    static let onDemandRate: Double = 10

    struct CachedAnswer: Sendable {
        let der: [UInt8]
        let producedAt: Date
        let nextUpdate: Date
        /// Served until then; later requests sign a fresh one.
        let refreshAt: Date
    }

    /// One CA's budget for new `unknown` answers, and the decision that covers it.
    private struct Window {
        let opened: ContinuousClock.Instant
        var remaining: Int
        let decision: Task<Void, any Error>
    }

    private struct State {
        var cached: [String: CachedAnswer] = [:]
        var windows: [String: Window] = [:]
        var bucket = TokenBucket(capacity: OCSPOnDemandLimits.onDemandBurst, rate: OCSPOnDemandLimits.onDemandRate)
    }

    private let state = Mutex(State())

    static func key(caID: String, certID: OCSPCertID) -> String { caID + ":" + certID.encoded.lowercaseHex }

    func cachedUnknown(_ key: String, now: Date) -> CachedAnswer? {
        state.withLock { state in
            guard let answer = state.cached[key] else { return nil }
            guard now < answer.refreshAt else {
                state.cached[key] = nil
                return nil
            }
            return answer
        }
    }

    func keep(_ key: String, _ answer: CachedAnswer, now: Date) {
        state.withLock { state in
            if state.cached.count >= Self.maximumCachedUnknowns {
                state.cached = state.cached.filter { now < $0.value.refreshAt }
                // Still full of live answers: make room for new ones; the dropped ones are
                // signed again, within the budget, if asked for.
                if state.cached.count >= Self.maximumCachedUnknowns { state.cached.removeAll(keepingCapacity: true) }
            }
            state.cached[key] = answer
        }
    }

    /// Takes one signature from the CA's `unknown` budget. Returns nil when it is spent;
    /// otherwise the decision covering it, which `record` makes once per window and which
    /// must be awaited before signing.
    func takeUnknown(caID: String, record: @escaping @Sendable () async throws -> Void) -> Task<Void, any Error>? {
        let now = ContinuousClock.now
        return state.withLock { state in
            if var window = state.windows[caID], now - window.opened < Self.unknownWindow {
                guard window.remaining > 0 else { return nil }
                window.remaining -= 1
                state.windows[caID] = window
                return window.decision
            }
            let decision = Task { try await record() }
            state.windows[caID] = Window(opened: now, remaining: Self.unknownBudget - 1, decision: decision)
            return decision
        }
    }

    /// Drops the CA's window after its decision could not be recorded, so that the next
    /// request tries again rather than failing until the window ends.
    func forgetWindow(caID: String) {
        state.withLock { _ = $0.windows.removeValue(forKey: caID) }
    }

    /// Takes one token for a response that must be signed for this request alone.
    func takeOnDemand() -> Bool {
        state.withLock { $0.bucket.take() }
    }
}
