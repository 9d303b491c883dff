import Foundation
import Logging
import PostgresNIO
import SignetCore

/// Profiles by id; every version ever saved stays in `issuance_profile_versions`.
struct PostgresProfileStore: ProfileStore {
    let client: PostgresClient
    let logger: Logger

    func save(_ stored: StoredProfile) async throws -> ProfileSaveOutcome {
        let document = try String(decoding: JSONEncoder.canonical.encode(stored.profile), as: UTF8.self)
        let id = stored.profile.id
        return try await client.transaction(logger: logger) { connection in
            try await connection.fetch(
                """
                INSERT INTO issuance_profile_versions (id, version, document)
                VALUES (\(id), \(stored.version), \(document)::jsonb) ON CONFLICT DO NOTHING
                """,
                logger: logger
            )
            let rows = try await connection.fetch(
                """
                INSERT INTO issuance_profiles (id, version, document) VALUES (\(id), \(stored.version), \(document)::jsonb)
                ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version, document = EXCLUDED.document, updated_at = now()
                WHERE issuance_profiles.version <> EXCLUDED.version
                RETURNING (xmax = 0)
                """,
                logger: logger
            )
            for try await inserted in rows.decode(Bool.self) { return inserted ? .created : .updated }
            return .unchanged
        }
    }

    func profile(id: String) async throws -> StoredProfile? {
        let rows = try await client.timedQuery("SELECT document::text, version FROM issuance_profiles WHERE id = \(id)", logger: logger)
        for try await (document, version) in rows.decode((String, String).self) { return try Self.decode(document, version: version) }
        return nil
    }

    func profiles() async throws -> [StoredProfile] {
        var result: [StoredProfile] = []
        let rows = try await client.timedQuery("SELECT document::text, version FROM issuance_profiles ORDER BY id", logger: logger)
        for try await (document, version) in rows.decode((String, String).self) { result.append(try Self.decode(document, version: version)) }
        return result
    }

    private static func decode(_ document: String, version: String) throws -> StoredProfile {
        StoredProfile(try JSONDecoder().decode(IssuanceProfile.self, from: Data(document.utf8)), version: version)
    }
}

extension JSONEncoder {
    /// Sorted keys: the same document always has the same text.
    static var canonical: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}
