import Foundation
@testable import SignetServer
import Testing

@Suite struct ServerConfigurationTests {
    @Test func fileThenEnvironmentAndUnknownKeysAreErrors() throws {
        let scratch = try Scratch()
        let file = try scratch.write("signet.json", Array(#"{"listen_port": 9443, "token_label": "from-file", "jwt_audience": "file-aud"}"#.utf8))
        let configuration = try ServerConfiguration.load(file: file, environment: ["SIGNET_TOKEN_LABEL": "from-env", "SIGNET_LISTEN_HOST": "0.0.0.0"])
        #expect(configuration.listenPort == 9443)
        #expect(configuration.tokenLabel == "from-env")
        #expect(configuration.listenHost == "0.0.0.0")
        #expect(configuration.jwtAudience == "file-aud")
        #expect(configuration.roleClaim == "realm_access.roles")

        let typo = try scratch.write("typo.json", Array(#"{"listen_prot": 1}"#.utf8))
        #expect(throws: ConfigurationError.self) { try ServerConfiguration.load(file: typo, environment: [:]) }
        #expect(throws: ConfigurationError.self) { try ServerConfiguration.load(file: nil, environment: ["SIGNET_LISTEN_PORT": "eighty"]) }
        let missing = #expect(throws: ConfigurationError.self) { try configuration.required(nil, .jwksFile) }
        #expect(missing?.description.contains("SIGNET_JWKS_FILE") == true)
    }

    @Test func revocationPeriodsAreReadAndChecked() throws {
        let scratch = try Scratch()
        let example = GateFixture.repositoryRoot.appendingPathComponent("deploy/signet.example.json").path
        let defaults = try ServerConfiguration.load(file: example, environment: [:]).revocationSettings()
        #expect(defaults.crlValidity == 86_400 && defaults.fullCRLInterval == 3600 && defaults.ocspRefreshBefore == 43_200)
        #expect(defaults.fullCRLDebounce == 2 && defaults.fullCRLMaxDelay == 10)
        #expect(try ServerConfiguration.load(file: nil, environment: [:]).revocationSettings() == defaults)

        let file = try scratch.write("revocation.json", Array(#"{"crl_validity": "7d", "crl_full_interval": "6h", "ocsp_presign": false}"#.utf8))
        let configuration = try ServerConfiguration.load(file: file, environment: ["SIGNET_DELTA_CRL_VALIDITY": "15m"])
        let settings = try configuration.revocationSettings()
        #expect(settings.crlValidity == 7 * 86_400 && settings.fullCRLInterval == 6 * 3600 && settings.deltaCRLValidity == 900)
        #expect(configuration.ocspPresign == false)

        // A full CRL published less often than it lasts would leave relying parties with an expired one.
        let gap = try ServerConfiguration.load(file: nil, environment: ["SIGNET_CRL_FULL_INTERVAL": "48h"])
        let error = #expect(throws: ConfigurationError.self) { try gap.revocationSettings() }
        #expect(error?.description.contains("crl_full_interval") == true)
        // Revocation changes reach the full CRL within crl_full_max_delay, debounced by crl_full_debounce.
        let prompt = try ServerConfiguration.load(file: file, environment: ["SIGNET_CRL_FULL_DEBOUNCE": "5s", "SIGNET_CRL_FULL_MAX_DELAY": "1m"]).revocationSettings()
        #expect(prompt.fullCRLDebounce == 5 && prompt.fullCRLMaxDelay == 60 && prompt.fullCRLStartBy == 55)
        let rushed = try ServerConfiguration.load(file: nil, environment: ["SIGNET_CRL_FULL_DEBOUNCE": "6s", "SIGNET_CRL_FULL_MAX_DELAY": "10s"])
        let rushedError = #expect(throws: ConfigurationError.self) { try rushed.revocationSettings() }
        #expect(rushedError?.description.contains("crl_full_max_delay must be at least twice crl_full_debounce") == true, "\(String(describing: rushedError))")
        let late = try ServerConfiguration.load(file: nil, environment: ["SIGNET_CRL_FULL_MAX_DELAY": "2h"])
        #expect(throws: ConfigurationError.self) { try late.revocationSettings() }
        let zero = #expect(throws: ConfigurationError.self) { try ServerConfiguration.load(file: nil, environment: ["SIGNET_CRL_FULL_DEBOUNCE": "0s"]).revocationSettings() }
        #expect(zero?.description.contains("crl_full_debounce") == true, "\(String(describing: zero))")
        let unreadable = try ServerConfiguration.load(file: nil, environment: ["SIGNET_OCSP_VALIDITY": "1y"])
        #expect(throws: ConfigurationError.self) { try unreadable.revocationSettings() }
        #expect(throws: ConfigurationError.self) { try ServerConfiguration.load(file: nil, environment: ["SIGNET_OCSP_PRESIGN": "sometimes"]) }
    }

    @Test func aSystemCABundleHoldsCACertificatesOrStartUpStopsNamingTheProblem() throws {
        let scratch = try Scratch()
        func certificate(_ name: String, _ extensions: [String]) throws -> String {
            let made = try Tool.run("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1", "-subj", "/CN=\(name)",
                                                "-keyout", scratch.path(name + ".key"), "-out", scratch.path(name + ".pem")] + extensions)
            guard made.status == 0 else { throw TestSetupError(made.error) }
            return String(decoding: try scratch.read(name + ".pem"), as: UTF8.self)
        }
        let ca = try certificate("bundle-ca", ["-addext", "basicConstraints=critical,CA:TRUE"])
        let leaf = try certificate("bundle-leaf", ["-addext", "basicConstraints=critical,CA:FALSE"])
        #expect(try SystemCABundle(file: try scratch.write("good.pem", Array(ca.utf8))).certificates.count == 1)
        for (name, content, expected) in [
            ("leaf.pem", ca + leaf, "certificate 2 of system_ca_bundle"), ("empty.pem", "", "holds no certificate"),
            ("key.pem", String(decoding: try scratch.read("bundle-ca.key"), as: UTF8.self), "not a CERTIFICATE"),
        ] {
            let file = try scratch.write(name, Array(content.utf8))
            let error = #expect(throws: ConfigurationError.self) { try SystemCABundle(file: file) }
            #expect(error.map { "\($0)" }?.contains(expected) == true, "\(String(describing: error))")
        }
        #expect(throws: ConfigurationError.self) { try SystemCABundle(file: scratch.path("missing.pem")) }
    }
}
