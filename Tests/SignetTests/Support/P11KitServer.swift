import Foundation

/// A token served over a Unix socket by `p11-kit server`, the way a network HSM is reached.
/// Stopping it is a faithful token outage.
final class P11KitServer: @unchecked Sendable {
    let socketPath: String
    private let module: String
    private let tokenLabel: String
    private var process: Process?

    init(module: String, tokenLabel: String) {
        self.module = module
        self.tokenLabel = tokenLabel
        socketPath = Self.socketPath
    }

    /// One path for every server of the test process: p11-kit-client.so reads
    /// `P11_KIT_SERVER_ADDRESS` once per process, so every test's server must be found there.
    static let socketPath = FileManager.default.temporaryDirectory.appendingPathComponent("p11kit-\(getpid()).sock").path

    /// The value p11-kit-client.so reads from `P11_KIT_SERVER_ADDRESS`.
    var address: String { "unix:path=\(socketPath)" }

    func start() throws {
        try? FileManager.default.removeItem(atPath: socketPath)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["p11-kit", "server", "-f", "-n", socketPath, "--provider", module, "pkcs11:token=\(tokenLabel)"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.process = process
        for _ in 0..<100 where !FileManager.default.fileExists(atPath: socketPath) {
            Thread.sleep(forTimeInterval: 0.05)
        }
        guard FileManager.default.fileExists(atPath: socketPath) else { throw TestSetupError("p11-kit server did not create \(socketPath)") }
    }

    /// Ends the server and the per-connection children it forked: every client link drops.
    func stop() {
        guard let process else { return }
        // Stopped first, so that it cannot fork a child that outlives it between the two kills.
        kill(process.processIdentifier, SIGSTOP)
        _ = try? Tool.run("pkill", ["-KILL", "-P", "\(process.processIdentifier)"])
        kill(process.processIdentifier, SIGKILL) // SIGTERM may be blocked in children of the test process
        process.waitUntilExit()
        self.process = nil
        try? FileManager.default.removeItem(atPath: socketPath)
    }

    deinit { stop() }
}
