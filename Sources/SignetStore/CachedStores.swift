import Foundation
import SignetCore
import Synchronization

/// A short-lived read cache for the rows every issuance reads (its CA, its profile).
///
/// Writes through this process invalidate at once; writes by another process sharing the
/// database are seen within `ttl` (one second by default). That is the window in which a
/// profile edited elsewhere may still be applied here. A CA revoked or retired elsewhere may
/// still pass the gate's check here, but what it signs is not stored or returned: the
/// certificate's insert reads the CA's status under a lock (see `IssuanceWriter`).
final class TTLCache<Value: Sendable>: Sendable {
    private let entries = Mutex<[String: (value: Value, expires: ContinuousClock.Instant)]>([:])
    let ttl: Duration

    init(ttl: Duration) { self.ttl = ttl }

    func value(_ key: String, load: () async throws -> Value?) async throws -> Value? {
        let now = ContinuousClock.now
        if let hit = entries.withLock({ $0[key] }), hit.expires > now { return hit.value }
        guard let loaded = try await load() else { return nil }
        entries.withLock { $0[key] = (loaded, now + ttl) }
        return loaded
    }

    func invalidate(_ key: String) { _ = entries.withLock { $0.removeValue(forKey: key) } }
}

struct CachedProfileStore: ProfileStore {
    let base: PostgresProfileStore
    let cache: TTLCache<StoredProfile>

    func save(_ profile: StoredProfile) async throws -> ProfileSaveOutcome {
        defer { cache.invalidate(profile.profile.id) }
        return try await base.save(profile)
    }

    func profile(id: String) async throws -> StoredProfile? {
        try await cache.value(id) { try await base.profile(id: id) }
    }

    func profiles() async throws -> [StoredProfile] { try await base.profiles() }
}

struct CachedCAStore: CAStore {
    let base: PostgresCAStore
    let cache: TTLCache<CARecord>

    func insert(_ ca: CARecord, certificate: CertificateRecord?) async throws {
        defer { cache.invalidate(ca.id) }
        try await base.insert(ca, certificate: certificate)
    }

    func ca(id: String) async throws -> CARecord? {
        try await cache.value(id) { try await base.ca(id: id) }
    }

    func cas() async throws -> [CARecord] { try await base.cas() }

    func setOCSPSigner(caID: String, _ signer: OCSPSignerRecord?) async throws {
        defer { cache.invalidate(caID) }
        try await base.setOCSPSigner(caID: caID, signer)
    }

    func setAllowedProfiles(caID: String, _ profiles: [String]) async throws {
        defer { cache.invalidate(caID) }
        try await base.setAllowedProfiles(caID: caID, profiles)
    }

    func forget(ids: [String]) {
        for id in ids { cache.invalidate(id) }
    }
}
