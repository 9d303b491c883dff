import Foundation
import PostgresNIO
import SignetCore
import SignetQuery

extension Catalog {
    public func profiles(_ request: ListRequest) async throws -> Page<StoredProfile> {
        try await lists.page(
            request, schema: Schemas.profiles, columns: "p.document::text", from: "issuance_profiles p",
            id: { $0.profile.id },
            decode: { StoredProfile(try JSONDecoder().decode(IssuanceProfile.self, from: Data(try $0.value(0, as: String.self).utf8))) }
        )
    }

    /// Creates a profile that does not exist yet; an existing id is a conflict.
    public func createProfile(_ stored: StoredProfile) async throws {
        let document = String(decoding: try JSONEncoder.canonical.encode(stored.profile), as: UTF8.self)
        try await client.transaction(logger: logger) { connection in
            let inserted = try await connection.fetch(
                """
                INSERT INTO issuance_profiles (id, version, document) VALUES (\(stored.profile.id), \(stored.version), \(document)::jsonb)
                ON CONFLICT (id) DO NOTHING RETURNING id
                """,
                logger: logger
            )
            var created = false
            for try await _ in inserted.decode(String.self) { created = true }
            guard created else { throw EditError.conflict("a profile with id '\(stored.profile.id)' already exists; use PUT to change it") }
            try await connection.fetch(
                "INSERT INTO issuance_profile_versions (id, version, document) VALUES (\(stored.profile.id), \(stored.version), \(document)::jsonb) ON CONFLICT DO NOTHING",
                logger: logger
            )
        }
    }

    /// The CAs that use a profile (for their own certificate, as their default or among the
    /// profiles they allow) and the
    /// DMSs that issue with it.
    public func profileReferrers(id: String) async throws -> [String] {
        var referrers: [String] = []
        let rows = try await client.timedQuery(
            "SELECT id FROM certificate_authorities WHERE (profile_id = \(id) OR ca_issuance_profile_id = \(id) OR allowed_profiles @> ARRAY[\(id)]) AND status <> 'DELETED' ORDER BY id",
            logger: logger
        )
        for try await ca in rows.decode(String.self) { referrers.append("ca:\(ca)") }
        let dms = try await client.timedQuery("SELECT id FROM dms WHERE settings ->> 'issuance_profile_id' = \(id) ORDER BY id", logger: logger)
        for try await owner in dms.decode(String.self) { referrers.append("dms:\(owner)") }
        return referrers
    }

    /// Deletes the current profile (its versions stay, so issued certificates keep theirs).
    /// Refused while anything refers to it.
    public func deleteProfile(id: String) async throws {
        defer { database.profileCache.invalidate(id) }
        let referrers = try await profileReferrers(id: id)
        guard referrers.isEmpty else { throw EditError.conflict("profile '\(id)' is used by \(referrers.joined(separator: ", "))") }
        let deleted = !(try await client.committedQuery("DELETE FROM issuance_profiles WHERE id = \(id) RETURNING id", logger: logger)).isEmpty
        guard deleted else { throw EditError.notFound("no issuance profile with id '\(id)'") }
    }
}
