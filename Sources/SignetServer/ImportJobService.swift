import Foundation
import Logging
import ServiceLifecycle
import SignetDMS
import SignetStore

/// Runs batch registrations. Any server may pick up a job (its input is in the database);
/// a lease keeps two from running the same one, and a job whose runner died is resumed
/// from its last committed chunk.
struct ImportJobService: Service {
    let registry: Registry
    let logger: Logger
    /// This process, as recorded on the jobs and chunks it runs.
    let runner = "server \(ProcessInfo.processInfo.hostName) pid \(ProcessInfo.processInfo.processIdentifier) \(UUID().uuidString.prefix(8).lowercased())"

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                if let job = try await registry.claimJob(runner: runner) {
                    try await DeviceImport.run(job, registry: registry, logger: logger) { Task.isShuttingDownGracefully || Task.isCancelled }
                    continue
                }
            } catch {
                logger.warning("device import stopped; another pass will resume it", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: .milliseconds(500))
        }
    }
}
