import Foundation
import Logging
import ServiceLifecycle
import SignetCore
import SignetMetrics
import SignetStore

/// How the server seals and checkpoints the audit chain, and how much lag it tolerates.
struct AuditSettings: Sendable {
    var checkpointInterval: TimeInterval = 10
    var unsealedBound: TimeInterval = 60
    var sink = AuditCheckpointSink(file: nil, standardOutput: false)
}

extension ServerConfiguration {
    func auditSettings() throws -> AuditSettings {
        func seconds(_ text: String, _ key: CodingKeys) throws -> TimeInterval {
            let value: TimeInterval
            do { value = try DurationText.seconds(text) } catch { throw ConfigurationError("\(key.rawValue): \(error)") }
            guard value >= 1 else { throw ConfigurationError("\(key.rawValue) must be at least 1s, got '\(text)'") }
            return value
        }
        return AuditSettings(
            checkpointInterval: try seconds(auditCheckpointInterval, .auditCheckpointInterval),
            unsealedBound: try seconds(auditUnsealedBound, .auditUnsealedBound),
            sink: AuditCheckpointSink(file: auditCheckpointFile, standardOutput: auditCheckpointStdout)
        )
    }
}

/// Links new audit rows into the chain a few times a second, and every checkpoint interval
/// signs a checkpoint of the head with the audit key when the head moved. Several servers
/// may share a database: the sealer's lock lets one at a time do either. Nothing here stops
/// silently: a lock held elsewhere, a row without Signet's MAC, a missing audit key or a
/// chain that does not continue the latest checkpoint is logged, and `/ready` reports the lag.
struct AuditSealerService: Service {
    let chain: AuditChain
    let checkpoints: AuditCheckpoints
    let core: SigningCore
    let settings: AuditSettings
    let logger: Logger

    func run() async throws {
        var busySince: Date?, warnedBusy = Date.distantPast
        var refusedSeen = Set<UUID>()
        var lastCheckpoint = Date.distantPast, warnedNoSigner = false, lastLagCheck = Date()
        var checkpointed: Int64 = 0
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let now = Date()
            do {
                switch try await chain.seal() {
                case .lockBusy:
                    busySince = busySince ?? now
                    if now.timeIntervalSince(busySince!) > 5, now.timeIntervalSince(warnedBusy) > 10 {
                        warnedBusy = now
                        let pid = try? await chain.lockHolder()
                        let holder = pid.map { "\($0)" } ?? "unknown"
                        logger.warning("audit sealing lock held elsewhere; records wait unsealed", metadata: [
                            "holder_pid": "\(holder)", "waiting_seconds": "\(Int(now.timeIntervalSince(busySince!)))",
                        ])
                    }
                case .sealed(let count, let refused):
                    busySince = nil
                    SignetMetrics.count(.auditRowsSealed, by: count)
                    for id in refused where refusedSeen.insert(id).inserted {
                        logger.error("audit record without Signet's MAC left unsealed (inserted or altered outside Signet)", metadata: ["record": "\(id)"])
                    }
                    if count == AuditChain.batchLimit { continue }
                }
            } catch {
                logger.warning("audit sealing failed; will retry", metadata: ["error": "\(error)"])
            }
            if now.timeIntervalSince(lastCheckpoint) >= settings.checkpointInterval {
                lastCheckpoint = now
                if let made = await checkpoint(warnedNoSigner: &warnedNoSigner) {
                    // A checkpoint that walked as far as one may: catch up without waiting.
                    if made - checkpointed >= AuditCheckpoints.walkLimit { lastCheckpoint = .distantPast }
                    checkpointed = made
                }
            }
            if now.timeIntervalSince(lastLagCheck) >= settings.checkpointInterval {
                lastLagCheck = now
                if let status = try? await checkpoints.status() {
                    for problem in AuditHealth.problems(status, settings: settings) { logger.warning("audit: \(problem)") }
                }
            }
            try? await Task.sleep(for: .milliseconds(250))
        }
        _ = try? await chain.sealPending()
    }

    /// Makes a checkpoint if the head moved; returns the sequence it covers when it made one.
    private func checkpoint(warnedNoSigner: inout Bool) async -> Int64? {
        do {
            switch try await checkpoints.checkpoint(core: core) {
            case .made(let checkpoint):
                warnedNoSigner = false
                do { try settings.sink.append(checkpoint) } catch {
                    logger.error("audit checkpoint not written to the sink", metadata: ["error": "\(error)", "sequence": "\(checkpoint.sequence)"])
                }
                return checkpoint.sequence
            case .unchanged, .lockBusy: break
            case .noSigner:
                if !warnedNoSigner {
                    warnedNoSigner = true
                    logger.warning("no audit key on this token: the audit chain is not checkpointed (signet audit init-key --ca <root>)")
                }
            case .broken(let problem):
                logger.error("audit chain does not continue its latest checkpoint; not checkpointed", metadata: ["problem": "\(problem)"])
            }
        } catch {
            logger.warning("audit checkpoint failed; will retry", metadata: ["error": "\(error)"])
        }
        return nil
    }
}

/// Judges the audit lag against the settings.
enum AuditHealth {
    static func problems(_ status: AuditCheckpoints.Status, settings: AuditSettings) -> [String] {
        var problems: [String] = []
        if let age = status.oldestUnsealedAgeSeconds, age > settings.unsealedBound {
            problems.append("the oldest unsealed record is \(Int(age)) s old (bound \(Int(settings.unsealedBound)) s): sealing is stuck")
        }
        if status.signers > 0, let age = status.oldestNotCheckpointedAgeSeconds, age > settings.unsealedBound + settings.checkpointInterval {
            problems.append("\(status.notCheckpointed) sealed records are not checkpointed, the oldest for \(Int(age)) s: checkpointing is stuck")
        }
        return problems
    }
}
