import Foundation
import SignetDMS
import SignetQuery
import Testing

/// DMS settings are read strictly: every mistake is an error naming the field.
@Suite struct DMSSettingsTests {
    static var templates: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("policies/dms")
    }

    static func template(_ name: String) throws -> [String: JSONValue] {
        let document = try JSONValue(parsing: Data(contentsOf: templates.appendingPathComponent("\(name).json")))
        guard case .object(let object) = document, case .object(let settings)? = object["settings"] else { throw FieldError("", "not a DMS document") }
        return settings
    }

    @Test func effectiveSettingsReadBackToTheSameSettings() throws {
        for name in ["jitp-fleet", "pre-registered-fleet"] {
            let settings = try DMSSettings(reading: .object(try Self.template(name)))
            #expect(try DMSSettings(reading: settings.json) == settings, "\(name)")
        }
    }

    @Test func missingPartsTakeTheDocumentedDefaults() throws {
        let minimal: JSONValue = .object([
            "issuance_profile_id": .string("iot-device"),
            "enrollment_settings": .object(["enrollment_ca": .string("issuing"), "registration_mode": .string("JITP")]),
            "reenrollment_settings": .object(["reenrollment_delta": .string("720h")]),
            "server_keygen_settings": .object(["enabled": .bool(true), "key_type": .string("ECDSA")]),
        ])
        let settings = try DMSSettings(reading: minimal)
        #expect(settings.enrollment.est.authMode == .clientCertificate)
        #expect(settings.enrollment.est.clientCertificate?.validationCAs == ["issuing"], "bootstrap certificates chain to the enrollment CA")
        #expect(settings.reenrollment.preventiveDelta.seconds == 720 * 3600 && settings.reenrollment.criticalDelta.text == "180h")
        #expect(settings.serverKeygen.keySize == 256)
        #expect(try DMSSettings(reading: settings.json) == settings)
    }

    @Test func reviewedTemplatesRead() throws {
        let jitp = try DMSSettings(reading: .object(try Self.template("jitp-fleet")))
        #expect(jitp.enrollment.registrationMode == .jitp)
        #expect(jitp.enrollment.est.authMode == .clientCertificate)
        #expect(jitp.enrollment.est.clientCertificate?.validationCAs == ["manufacturer"])
        #expect(jitp.reenrollment.criticalDelta.seconds == 7 * 86_400)
        let preRegistered = try DMSSettings(reading: .object(try Self.template("pre-registered-fleet")))
        #expect(preRegistered.enrollment.registrationMode == .preRegistration)
        #expect(preRegistered.enrollment.est.passcode?.validity.seconds == TimeInterval(7 * 86_400))
        #expect(preRegistered.reenrollment.expiredRenewalGrace?.text == "7d")
        #expect(preRegistered.serverKeygen.enabled && preRegistered.serverKeygen.keySize == 256)
    }

    /// Each edit of the JITP template, and the field the error must name.
    static let mistakes: [(String, @Sendable (inout [String: JSONValue]) -> Void, String)] = [
        ("unknown top-level key", { $0["issuance_profile"] = .string("x") }, "settings.issuance_profile"),
        ("missing profile", { $0["issuance_profile_id"] = nil }, "settings.issuance_profile_id"),
        ("unknown nested key", { edit(&$0, "enrollment_settings") { $0["enrolment_ca"] = .string("x") } }, "settings.enrollment_settings.enrolment_ca"),
        ("bad registration mode", { edit(&$0, "enrollment_settings") { $0["registration_mode"] = .string("LAZY") } }, "settings.enrollment_settings.registration_mode"),
        ("bool as string", { edit(&$0, "enrollment_settings") { $0["verify_csr_signature"] = .string("yes") } }, "settings.enrollment_settings.verify_csr_signature"),
        ("year duration", { edit(&$0, "reenrollment_settings") { $0["preventive_delta"] = .string("1y") } }, "settings.reenrollment_settings.preventive_delta"),
        ("a CSR signature left unverified", { edit(&$0, "enrollment_settings") { $0["verify_csr_signature"] = .bool(false) } }, "settings.enrollment_settings.verify_csr_signature"),
        ("critical longer than preventive", { edit(&$0, "reenrollment_settings") { $0["critical_delta"] = .string("60d") } }, "settings.reenrollment_settings.critical_delta"),
        ("expired renewal without grace", { edit(&$0, "reenrollment_settings") { $0["enable_expired_renewal"] = .bool(true) } }, "settings.reenrollment_settings.expired_renewal_grace"),
        ("grace too long", { edit(&$0, "reenrollment_settings") { $0["enable_expired_renewal"] = .bool(true); $0["expired_renewal_grace"] = .string("365d") } }, "settings.reenrollment_settings.expired_renewal_grace"),
        ("certificate auth without CAs", {
            edit(&$0, "enrollment_settings") { edit(&$0, "est_rfc7030_settings") { edit(&$0, "client_certificate_settings") { $0["validation_cas"] = .array([]) } } }
        }, "settings.enrollment_settings.est_rfc7030_settings.client_certificate_settings.validation_cas"),
        ("passcode auth without passcodes", {
            edit(&$0, "enrollment_settings") { edit(&$0, "est_rfc7030_settings") { $0["auth_mode"] = .string("PASSCODE") } }
        }, "settings.enrollment_settings.est_rfc7030_settings.passcode_settings"),
        ("webhook over http", {
            edit(&$0, "enrollment_settings") { edit(&$0, "est_rfc7030_settings") {
                $0["auth_mode"] = .string("EXTERNAL_WEBHOOK")
                $0["webhook_settings"] = .object(["url": .string("http://hooks.example.com/enroll")])
            } }
        }, "settings.enrollment_settings.est_rfc7030_settings.webhook_settings.url"),
        ("webhook waiting a minute", {
            edit(&$0, "enrollment_settings") { edit(&$0, "est_rfc7030_settings") {
                $0["auth_mode"] = .string("CLIENT_CERTIFICATE_AND_EXTERNAL_WEBHOOK")
                $0["webhook_settings"] = .object(["url": .string("https://hooks.example.com/enroll"), "timeout": .string("1m")])
            } }
        }, "settings.enrollment_settings.est_rfc7030_settings.webhook_settings.timeout"),
        ("server keygen with a weak key", { $0["server_keygen_settings"] = .object(["enabled": .bool(true), "key_type": .string("RSA"), "key_size": .number(1024)]) }, "settings.server_keygen_settings.key_type"),
        ("a distribution of no CA at all", { edit(&$0, "ca_distribution_settings") { $0["include_enrollment_ca"] = .bool(false); $0["include_system_ca"] = .bool(false); $0["managed_cas"] = .array([]) } }, "settings.ca_distribution_settings"),
        ("CA list with a number", { edit(&$0, "ca_distribution_settings") { $0["managed_cas"] = .array([.number(1)]) } }, "settings.ca_distribution_settings.managed_cas[0]"),
    ]

    static func edit(_ object: inout [String: JSONValue], _ key: String, _ change: (inout [String: JSONValue]) -> Void) {
        guard case .object(var inner)? = object[key] else { return }
        change(&inner)
        object[key] = .object(inner)
    }

    @Test(arguments: 0..<mistakes.count)
    func mistakesNameTheField(_ index: Int) throws {
        let (what, change, field) = Self.mistakes[index]
        var settings = try Self.template("jitp-fleet")
        change(&settings)
        let error = #expect(throws: FieldError.self, "\(what)") { try DMSSettings(reading: .object(settings)) }
        #expect(error?.field == field, "\(what): \(String(describing: error))")
    }
}
