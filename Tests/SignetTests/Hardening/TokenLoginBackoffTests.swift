import Foundation
import SignetToken
import Testing

/// A wrong PIN is not tried again on every call: tokens that count failed logins would lock
/// the PIN within seconds. The pool reports the refusal and backs off, doubling the pause.
@Suite(.serialized) struct TokenLoginBackoffTests {
    @Test func aRefusedPINIsRetriedOnlyAfterABackoffThatGrows() async throws {
        let environment = try await TestEnvironment.get()
        let spare = try TestEnvironment.variable("SIGNET_TEST_SPARE_TOKEN")
        let pinFile = FileManager.default.temporaryDirectory.appendingPathComponent(unique("pin")).path
        try Data("not-the-pin\n".utf8).write(to: URL(fileURLWithPath: pinFile))
        let token = try Token(TokenConfiguration(modulePath: environment.modulePath, label: spare, pin: .file(pinFile)))

        #expect(throws: TokenError.call(function: "C_Login", code: ReturnCode(0xA0))) { try token.mechanisms() }
        // Calls during the backoff fail at once, naming the refusal, without logging in.
        let started = Date()
        var suspended = 0
        while Date().timeIntervalSince(started) < 3 {
            do { _ = try token.mechanisms() } catch TokenError.loginSuspended(let code, _) {
                #expect(code.name == "CKR_PIN_INCORRECT")
                suspended += 1
            } catch TokenError.call(function: "C_Login", _) {}
            try await Task.sleep(for: .milliseconds(50))
        }
        // 3 s of calls: the first attempt, one after the 2 s backoff; the next waits 4 s.
        #expect(token.loginAttempts == 2, "\(token.loginAttempts) login attempts in 3 s")
        #expect(suspended > 20)
        let description = TokenError.loginSuspended(code: ReturnCode(0xA0), retryAt: Date()).description
        #expect(description.contains("CKR_PIN_INCORRECT") && !description.contains("not-the-pin"))

        // After the (doubled) backoff the pool tries once more. (It is not let log in here:
        // a login would stay with the process and other tests use this token's wrong PIN.)
        #expect(throws: TokenError.self) { try token.mechanisms() }
        #expect(token.loginAttempts == 2)
        try await Task.sleep(for: .seconds(4.2))
        #expect(throws: TokenError.call(function: "C_Login", code: ReturnCode(0xA0))) { try token.mechanisms() }
        #expect(token.loginAttempts == 3)
    }
}
