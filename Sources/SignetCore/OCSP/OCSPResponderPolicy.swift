import Foundation

/// Whether the responder echoes request nonces (RFC 8954). Anyone may send a nonce, and
/// every nonce makes a response that cannot be pre-signed or reused: one token signature
/// (and one decision) per request. RFC 5019 §4 lets a responder ignore nonces, so Signet
/// does by default and answers with the pre-signed response instead.
public enum OCSPNoncePolicy: String, Sendable, Hashable, CaseIterable {
    /// Answer as if no nonce had been sent (the default).
    case ignore
    /// Sign a response echoing the nonce, within the on-demand rate limit (see
    /// ``OCSPOnDemandLimits``); over it, the nonce is ignored.
    case honour

    /// Reads a configuration value; anything else names what is allowed.
    public init(setting text: String) throws {
        guard let policy = OCSPNoncePolicy(rawValue: text) else {
            throw RevocationSettingsError("ocsp_nonce must be one of \(Self.allCases.map(\.rawValue).joined(separator: ", ")), got '\(text)'")
        }
        self = policy
    }
}

/// A token bucket: `capacity` at once, refilled at `rate` per second.
struct TokenBucket: Sendable {
    let capacity: Double
    let rate: Double
    private var tokens: Double
    private var last: ContinuousClock.Instant

    init(capacity: Double, rate: Double, now: ContinuousClock.Instant = .now) {
        self.capacity = capacity
        self.rate = rate
        tokens = capacity
        last = now
    }

    /// Takes one token when there is one.
    mutating func take(now: ContinuousClock.Instant = .now) -> Bool {
        let elapsed = now - last
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        tokens = min(capacity, tokens + seconds * rate)
        last = now
        guard tokens >= 1 else { return false }
        tokens -= 1
        return true
    }
}
