import Foundation
import PostgresNIO
@testable import SignetStore
import SignetCore
import Testing

/// Profiles stored before `honor_subject: false` meant "ignore the CSR subject entirely" keep
/// what they issue: migration 0011 gives each one that relied on the CSR's common name the
/// `{csr.common_name}` hole, as a new version.
@Suite struct SubjectTemplateMigrationTests {
    @Test func storedProfilesThatTookTheCSRsCommonNameKeepItAsANewVersion() async throws {
        let scratch = try await AuditScratchDatabase.make()
        defer { scratch.close() }
        let client = scratch.database.client
        let legacy: [(String, String)] = [
            ("legacy-no-cn", #"{"id": "legacy-no-cn", "validity": {"type": "Duration", "duration": "1h"}, "honor_subject": false, "subject": {"common_name": "", "organization": "Fleet"}}"#),
            ("legacy-no-subject", #"{"id": "legacy-no-subject", "validity": {"type": "Duration", "duration": "1h"}}"#),
            ("legacy-fixed-cn", #"{"id": "legacy-fixed-cn", "validity": {"type": "Duration", "duration": "1h"}, "honor_subject": false, "subject": {"common_name": "fixed"}}"#),
            ("legacy-honoured", #"{"id": "legacy-honoured", "validity": {"type": "Duration", "duration": "1h"}, "honor_subject": true, "subject": {"common_name": ""}}"#),
        ]
        for (id, document) in legacy {
            try await client.fetch("DELETE FROM issuance_profile_versions WHERE id = \(id)")
            try await client.fetch("DELETE FROM issuance_profiles WHERE id = \(id)")
            try await client.fetch("INSERT INTO issuance_profiles (id, version, document) VALUES (\(id), 'v1', \(document)::jsonb)")
            try await client.fetch("INSERT INTO issuance_profile_versions (id, version, document) VALUES (\(id), 'v1', \(document)::jsonb)")
        }
        let migration = try #require(try Migrator.bundled().first { $0.version == 11 })
        for statement in Migrator.statements(migration.sql) { try await client.fetch(PostgresQuery(unsafeSQL: statement)) }

        var now: [String: (String, String)] = [:]
        for try await (id, version, cn) in try await client.fetch(
            "SELECT id, version, coalesce(document -> 'subject' ->> 'common_name', '') FROM issuance_profiles WHERE id LIKE 'legacy-%'"
        ).decode((String, String, String).self) { now[id] = (version, cn) }
        #expect(now["legacy-no-cn"]?.1 == "{csr.common_name}" && now["legacy-no-cn"]?.0 != "v1")
        #expect(now["legacy-no-subject"]?.1 == "{csr.common_name}" && now["legacy-no-subject"]?.0 != "v1")
        #expect(now["legacy-fixed-cn"]?.0 == "v1" && now["legacy-fixed-cn"]?.1 == "fixed")
        #expect(now["legacy-honoured"]?.0 == "v1" && now["legacy-honoured"]?.1 == "")
        // The old version stays in the history beside the new one, and the new one decodes.
        var versions = 0
        for try await count in try await client.fetch("SELECT count(*) FROM issuance_profile_versions WHERE id = 'legacy-no-cn'").decode(Int.self) { versions = count }
        #expect(versions == 2)
        let upgraded = try #require(try await scratch.database.stores.profiles.profile(id: "legacy-no-cn"))
        #expect(upgraded.profile.subject.commonName == "{csr.common_name}" && upgraded.profile.subject.organization == "Fleet")
        try upgraded.profile.validate()
    }
}
