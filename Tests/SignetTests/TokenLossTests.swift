import Foundation
import SignetCore
import SignetToken
import Testing

/// A network HSM goes away mid-run and comes back: issuance fails fast with a typed error
/// meanwhile, and works again afterwards in the same process.
@Suite(.serialized) struct TokenLossTests {
    @Test func issuanceFailsFastDuringAnOutageAndRecoversWithoutARestart() async throws {
        let fixture = try await GateFixture.get()
        let environment = fixture.environment
        let server = P11KitServer(module: environment.modulePath, tokenLabel: try TestEnvironment.variable("SIGNET_TEST_REMOTE_TOKEN"))
        try server.start()
        defer { server.stop() }
        setenv("P11_KIT_SERVER_ADDRESS", server.address, 1)
        let token = try Token(TokenConfiguration(
            modulePath: try TestEnvironment.variable("SIGNET_P11KIT_CLIENT_MODULE"),
            label: try TestEnvironment.variable("SIGNET_TEST_REMOTE_TOKEN"),
            pin: .file(try TestEnvironment.variable("SIGNET_PIN_FILE"))
        ))
        let core = SigningCore(token: token, stores: environment.stores)
        let caID = unique("remote-root")
        _ = try await core.createCA(CACreationRequest(
            id: caID, subject: try SubjectText.parse("CN=Remote Root \(caID)"), keySpec: .ecP256,
            profileID: "root-ca", issuanceProfileID: "iot-device", requester: .localAdministrator("test")
        ))
        let scratch = try Scratch()
        func issue(_ name: String) async throws -> SigningCore.Issued {
            try await core.issue(csr: try OpenSSLCSR.make(subject: "/CN=\(name)", in: scratch), caID: caID, profileID: "iot-device", requester: Requester("test"))
        }
        _ = try await issue("before-outage")

        server.stop()
        for attempt in 1...2 {
            let started = ContinuousClock.now
            let error = await #expect(throws: GateError.self, "attempt \(attempt)") { try await issue("during-outage-\(attempt)") }
            let elapsed = ContinuousClock.now - started
            guard case .token(let tokenError)? = error else {
                Issue.record("attempt \(attempt): expected a token error, got \(String(describing: error))")
                continue
            }
            #expect(tokenError.isTokenLoss, "\(tokenError)")
            #expect(elapsed < .seconds(5), "a lost token must fail fast, took \(elapsed)")
        }

        try server.start()
        let after = try await issue("after-outage")
        #expect(after.certificate.issuer.description == "CN=Remote Root \(caID)")

        let stored = try await environment.rows("SELECT common_name FROM certificates WHERE issuer_ca_id = \(caID) ORDER BY issued_at", as: String.self)
        #expect(stored == ["Remote Root \(caID)", "before-outage", "after-outage"])
        let failures = try await environment.rows(
            "SELECT failed_rule FROM decisions WHERE ca_id = \(caID) AND outcome = 'FAILED'", as: String.self
        )
        #expect(failures == ["token.sign", "token.sign"])
    }
}
