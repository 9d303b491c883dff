import Foundation
import SignetAuth
import Synchronization

/// Remembers tokens it has verified until they expire, so keep-alive clients that send the
/// same bearer token on every request pay for one signature check, not one per request.
final class CachingVerifier: Sendable {
    private let verifier: JWTVerifier
    private let cache = Mutex<[String: VerifiedToken]>([:])
    private static let capacity = 4096

    init(_ verifier: JWTVerifier) {
        self.verifier = verifier
    }

    func verify(_ token: String, now: Date = Date()) throws -> VerifiedToken {
        if let known = cache.withLock({ $0[token] }), known.expiresAt > now { return known }
        let verified = try verifier.verify(token, now: now)
        cache.withLock { cache in
            if cache.count >= Self.capacity { cache.removeAll(keepingCapacity: true) }
            cache[token] = verified
        }
        return verified
    }
}
