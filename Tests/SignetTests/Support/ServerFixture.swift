import Foundation
import SignetAuth
import SignetCore
import SwiftASN1
import X509

/// A real `signet serve` process on a real TLS socket, with a certificate Signet issued to
/// itself, JWTs from a local test key, and curl as the client.
struct ServerFixture: Sendable {
    let gate: GateFixture
    let port: Int
    let rootFile: String
    let issuer: JWTIssuer
    let configFile: String
    let scratch: Scratch
    /// The server's TLS certificate chain and key, for test peers that need one (a webhook receiver).
    let tlsChain: String
    let tlsKey: String

    var base: String { "https://localhost:\(port)" }

    static func get() async throws -> ServerFixture { try await once.value() }

    /// The shared server's settings beside the defaults. Full CRLs follow revocations after
    /// 4 s of quiet rather than 2 s, so a test that reads the delta CRL of a change has a
    /// window that a busy machine does not close; FullCRLFreshnessTests still holds the 10 s
    /// bound against this server.
    static let sharedEnvironment = ["SIGNET_CRL_FULL_DEBOUNCE": "4s"]
    static var sharedRevocationSettings: RevocationSettings {
        var settings = RevocationSettings()
        settings.fullCRLDebounce = 4
        return settings
    }
    private static let once = Once()

    actor Once {
        private var task: Task<ServerFixture, any Error>?
        func value() async throws -> ServerFixture {
            if let task { return try await task.value }
            let task = Task { try await ServerFixture.start(extraEnvironment: ServerFixture.sharedEnvironment) }
            self.task = task
            return try await task.value
        }
    }

    /// Starts a server; `extraEnvironment` can override settings for dedicated instances.
    static func start(extraEnvironment: [String: String] = [:]) async throws -> ServerFixture {
        let gate = try await GateFixture.get()
        let scratch = try Scratch()
        let csr = try OpenSSLCSR.make(subject: "/CN=localhost", extensions: ["subjectAltName=DNS:localhost,IP:127.0.0.1"], in: scratch)
        guard let keyFile = try FileManager.default.contentsOfDirectory(atPath: scratch.url.path).first(where: { $0.hasSuffix(".key") }) else {
            throw TestSetupError("openssl wrote no key")
        }
        let tls = try await gate.environment.core.issue(csr: csr, caID: gate.subID, profileID: "tls-server", requester: Requester("test-server"))
        let chain = try scratch.write("chain.pem", try gate.pem(tls.certificate) + gate.pem(gate.sub))
        let rootFile = try scratch.write("root.pem", try gate.pem(gate.root))
        let (issuer, _) = JWTIssuer.generate(keyID: "test-key")
        let jwks = try scratch.write("jwks.json", Array(issuer.jwks))
        // Below the kernel's ephemeral range (32768 on), where outgoing connections take ports;
        // a port another test's server took is tried again with another.
        for attempt in 1...5 {
            let port = Int.random(in: 20_000..<32_000)
            do {
                return try await start(port: port, gate: gate, scratch: scratch, keyFile: keyFile, chain: chain, rootFile: rootFile,
                                       issuer: issuer, jwks: jwks, extraEnvironment: extraEnvironment)
            } catch let error as PortInUse where attempt < 5 {
                _ = error
            }
        }
        throw TestSetupError("no free port for a test server")
    }

    struct PortInUse: Error {}

    private static func start(port: Int, gate: GateFixture, scratch: Scratch, keyFile: String, chain: String, rootFile: String,
                              issuer: JWTIssuer, jwks: String, extraEnvironment: [String: String]) async throws -> ServerFixture {
        // The file name marks the process so deploy/test can make sure none outlives the run.
        let configFile = try scratch.write("signet-test-server.json", Array(try JSONSerialization.data(withJSONObject: [
            "listen_port": port,
            "tls_certificate_file": chain,
            "tls_key_file": scratch.path(keyFile),
            "jwks_file": jwks,
            "jwt_issuer": "signet-test",
            "jwt_audience": "signet-api",
            "public_url": "https://signet.test",
            "console_url": "https://localhost:\(port)",
            // Several servers, CLI runs and the test process share one cluster: keep each pool small.
            "database_connections": 4,
            // Test webhook receivers serve the same certificate as the server.
            "est_webhook_ca_file": rootFile,
        ])))
        let fixture = ServerFixture(gate: gate, port: port, rootFile: rootFile, issuer: issuer, configFile: configFile, scratch: scratch,
                                    tlsChain: chain, tlsKey: scratch.path(keyFile))
        try await fixture.launch(extraEnvironment)
        return fixture
    }

    /// Starts the server and waits for it, sleeping without holding a cooperative thread.
    func launch(_ extraEnvironment: [String: String] = [:]) async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try CLITests.binary)
        // SIGNET_TEST_LOG_LEVEL: a test that reads the server's log asks for more of it.
        process.arguments = ["serve", "--config", configFile, "--log-level", extraEnvironment["SIGNET_TEST_LOG_LEVEL"] ?? "warning"]
        process.environment = ProcessInfo.processInfo.environment.merging(extraEnvironment) { $1 }
        let log = scratch.path("server.log")
        FileManager.default.createFile(atPath: log, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process.standardError = process.standardOutput
        try process.run()
        ServerProcesses.shared.add(process, port: port)
        // Generous: a server starts after its migrations, and CI machines can be busy.
        for _ in 0..<600 {
            if let result = try? curl("GET", "/health"), result.status == 200 { return }
            if !process.isRunning {
                let text = String(decoding: (try? scratch.read("server.log")) ?? [], as: UTF8.self)
                if text.contains("Address already in use") { throw PortInUse() }
                throw TestSetupError("signet serve on port \(port) exited (\(process.terminationStatus)): \(text)")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TestSetupError("signet serve did not answer on port \(port): \(String(decoding: (try? scratch.read("server.log")) ?? [], as: UTF8.self))")
    }

    /// Ends a server this test started (SIGTERM, then SIGKILL if it lingers).
    func stop() async {
        guard let process = ServerProcesses.shared.process(port: port), process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        for _ in 0..<100 where process.isRunning { try? await Task.sleep(for: .milliseconds(100)) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    func token(_ roles: [String], subject: String = "tester", audience: String = "signet-api", lifetime: TimeInterval = 600) -> String {
        issuer.issue(subject: subject, roles: roles, issuer: "signet-test", audience: audience, lifetime: lifetime)
    }

    struct HTTPResult {
        let status: Int
        let body: [UInt8]
        let headers: String
        var text: String { String(decoding: body, as: UTF8.self) }
        func json() throws -> [String: Any] {
            guard let object = try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else { throw TestSetupError("not a JSON object: \(text)") }
            return object
        }
        func header(_ name: String) -> String? {
            headers.split(separator: "\r\n").first { $0.lowercased().hasPrefix(name.lowercased() + ":") }
                .map { String($0.dropFirst(name.count + 1)).trimmingCharacters(in: .whitespaces) }
        }
    }

    /// One request with curl, which checks the server's certificate against the test root.
    func curl(_ method: String, _ path: String, token: String? = nil, body: [UInt8]? = nil, contentType: String? = "application/json", headers: [String] = []) throws -> HTTPResult {
        let name = unique("response")
        var arguments = ["-sS", "--max-time", "20", "--cacert", rootFile, "-X", method, "-o", scratch.path(name), "-D", scratch.path(name + ".h"), "-w", "%{http_code}"]
        if let token { arguments += ["-H", "Authorization: Bearer \(token)"] }
        for header in headers { arguments += ["-H", header] }
        if let body {
            if let contentType { arguments += ["-H", "Content-Type: \(contentType)"] }
            arguments += ["--data-binary", "@" + (try scratch.write(name + ".body", body))]
        }
        arguments.append(base + path)
        let result = try Tool.run("curl", arguments)
        guard let status = Int(result.output) else { throw TestSetupError("curl failed: \(result.error)") }
        let headerText = (try? scratch.read(name + ".h")).map { String(decoding: $0, as: UTF8.self) } ?? ""
        return HTTPResult(status: status, body: (try? scratch.read(name)) ?? [], headers: headerText)
    }

    func json(_ object: Any) throws -> [UInt8] { Array(try JSONSerialization.data(withJSONObject: object)) }
}

/// Server processes started by tests, so a test can stop one and the rest are ended at exit.
final class ServerProcesses: @unchecked Sendable {
    static let shared = ServerProcesses()
    private let lock = NSLock()
    private var processes: [Int: Process] = [:]

    func add(_ process: Process, port: Int) { lock.withLock { processes[port] = process } }
    func process(port: Int) -> Process? { lock.withLock { processes[port] } }
}
