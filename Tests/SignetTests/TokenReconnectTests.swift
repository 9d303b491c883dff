import CPKCS11
import Foundation
@testable import SignetToken
import Synchronization
import Testing

/// Callers that found a network token gone while another still held a session wait
/// together for that session before the module is restarted. When the token is back, the
/// first of them restarts the module and logs in; the others use that connection. A waiter
/// that restarted the module again would finalise the connection just made (and, under
/// load, every one after it).
@Suite(.serialized) struct TokenReconnectTests {
    @Test func callersThatWaitedForTheSameRestartReconnectOnce() async throws {
        let environment = try await TestEnvironment.get()
        let label = try TestEnvironment.variable("SIGNET_TEST_REMOTE_TOKEN")
        let server = P11KitServer(module: environment.modulePath, tokenLabel: label)
        try server.start()
        defer { server.stop() }
        setenv("P11_KIT_SERVER_ADDRESS", server.address, 1)
        let module = try PKCS11Module.load(path: try TestEnvironment.variable("SIGNET_P11KIT_CLIENT_MODULE"))
        let pool = SessionPool(module: module, label: label, pin: .file(try TestEnvironment.variable("SIGNET_PIN_FILE")), capacity: 4)
        try pool.withSession { _, _ in }

        // A caller holds its session through the outage.
        let holding = DispatchSemaphore(value: 0), release = DispatchSemaphore(value: 0)
        Thread { try? pool.withSession { _, _ in holding.signal(); release.wait() } }.start()
        holding.wait()
        server.stop()
        #expect(throws: TokenError.self, "a call finds the token gone") {
            try pool.withSession { session, _ in _ = try session.findObject(class: CK_OBJECT_CLASS(CKO_PRIVATE_KEY), id: [1]) }
        }

        let logins = pool.loginAttemptCount(), restarts = pool.moduleRestartCount()
        let outcomes = Mutex<[String]>([])
        let finished = DispatchSemaphore(value: 0)
        let waiters = 3
        for _ in 0..<waiters {
            Thread {
                let outcome: String
                do { try pool.withSession { _, _ in }; outcome = "connected" } catch { outcome = "\(error)" }
                outcomes.withLock { $0.append(outcome) }
                finished.signal()
            }.start()
        }
        // The waiters wait for the held session (for at most 2 s) with the module dead.
        try await Task.sleep(for: .milliseconds(300))
        try server.start()
        try await Task.sleep(for: .milliseconds(200))
        release.signal()
        for _ in 0..<waiters { #expect(finished.wait(timeout: .now() + 10) == .success, "a waiter returned") }

        #expect(outcomes.withLock { $0 } == Array(repeating: "connected", count: waiters))
        #expect(pool.moduleRestartCount() - restarts == 1, "one restart for all the waiters")
        #expect(pool.loginAttemptCount() - logins == 1, "one login for all the waiters")
        // The connection they share signs.
        try pool.withSession { session, _ in _ = try session.findObject(class: CK_OBJECT_CLASS(CKO_PRIVATE_KEY), id: [1]) }
    }
}
