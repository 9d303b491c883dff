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
}
