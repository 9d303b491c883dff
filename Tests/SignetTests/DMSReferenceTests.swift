import Foundation
import SignetCore
import SignetDMS
import SignetQuery
import Testing

/// What DMS settings name must exist and fit, checked against the real store.
@Suite struct DMSReferenceTests {
    static func settings(_ edit: (inout [String: JSONValue]) -> Void) throws -> DMSSettings {
        var settings = try DMSSettingsFixture.template("jitp-fleet")
        edit(&settings)
        return try DMSSettings(reading: .object(settings))
    }

    @Test func referencesAreCheckedFieldByField() async throws {
        let fixture = try await GateFixture.get()
        let stores = fixture.environment.stores
        func pointed(_ edit: @escaping (inout [String: JSONValue]) -> Void = { _ in }) throws -> DMSSettings {
            try Self.settings { settings in
                DMSSettingsFixture.edit(&settings, "enrollment_settings") { e in
                    e["enrollment_ca"] = .string(fixture.subID)
                    DMSSettingsFixture.edit(&e, "est_rfc7030_settings") { est in
                        DMSSettingsFixture.edit(&est, "client_certificate_settings") { $0["validation_cas"] = .array([.string(fixture.rootID)]) }
                    }
                }
                settings["ca_distribution_settings"] = .object(["managed_cas": .array([.string(fixture.rootID)])])
                edit(&settings)
            }
        }
        try await pointed().checkReferences(cas: stores.cas, profiles: stores.profiles, systemCAsAvailable: false)

        let notNamed = try await fixture.profile(from: "iot-device", allowOnIssuingCA: false)
        let adminOnly = try await fixture.profile(from: "iot-device") { $0.requiredRole = .admin }
        let cases: [(String, (inout [String: JSONValue]) -> Void, String)] = [
            ("unknown profile", { $0["issuance_profile_id"] = .string("no-such-profile") }, "settings.issuance_profile_id"),
            ("profile the enrollment CA does not issue with", { $0["issuance_profile_id"] = .string(notNamed) }, "settings.issuance_profile_id"),
            ("profile only administrators may use", { $0["issuance_profile_id"] = .string(adminOnly) }, "settings.issuance_profile_id"),
            ("responder profile", { $0["issuance_profile_id"] = .string("ocsp-responder") }, "settings.issuance_profile_id"),
            ("CA profile", { $0["issuance_profile_id"] = .string("subordinate-ca") }, "settings.issuance_profile_id"),
            ("unknown enrollment CA", { DMSSettingsFixture.edit(&$0, "enrollment_settings") { $0["enrollment_ca"] = .string("nowhere") } }, "settings.enrollment_settings.enrollment_ca"),
            ("unknown managed CA", { $0["ca_distribution_settings"] = .object(["managed_cas": .array([.string("nowhere")])]) }, "settings.ca_distribution_settings.managed_cas[0]"),
            ("system CAs without a bundle", { $0["ca_distribution_settings"] = .object(["include_system_ca": .bool(true)]) }, "settings.ca_distribution_settings.include_system_ca"),
            ("key the profile refuses", { $0["server_keygen_settings"] = .object(["enabled": .bool(true), "key_type": .string("RSA"), "key_size": .number(4096)]) }, "settings.server_keygen_settings.key_type"),
        ]
        for (what, edit, field) in cases {
            let error = await #expect(throws: FieldError.self, "\(what)") {
                try await pointed(edit).checkReferences(cas: stores.cas, profiles: stores.profiles, systemCAsAvailable: false)
            }
            #expect(error?.field == field && error?.kind == .invalid, "\(what): \(String(describing: error))")
        }
        // Where a bundle is configured, the same settings pass.
        try await pointed { $0["ca_distribution_settings"] = .object(["include_system_ca": .bool(true)]) }
            .checkReferences(cas: stores.cas, profiles: stores.profiles, systemCAsAvailable: true)
    }
}

/// The reviewed DMS templates in policies/dms, as JSON to edit.
enum DMSSettingsFixture {
    static func template(_ name: String) throws -> [String: JSONValue] {
        let url = GateFixture.repositoryRoot.appendingPathComponent("policies/dms/\(name).json")
        guard case .object(let object) = try JSONValue(parsing: Data(contentsOf: url)), case .object(let settings)? = object["settings"] else {
            throw TestSetupError("\(url.path) is not a DMS document")
        }
        return settings
    }

    static func edit(_ object: inout [String: JSONValue], _ key: String, _ change: (inout [String: JSONValue]) -> Void) {
        guard case .object(var inner)? = object[key] else { return }
        change(&inner)
        object[key] = .object(inner)
    }
}
