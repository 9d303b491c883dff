import ArgumentParser
import Foundation
import SignetCore
import SignetStore
import SignetToken
import SwiftASN1
import X509

struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Check the audit trail, seal it and checkpoint it.",
        subcommands: [Verify.self, Seal.self, InitKey.self, Checkpoint.self]
    )

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Walk the chain against its signed checkpoints and report the first record that was altered, inserted or deleted (exit 1).",
            discussion: """
            Needs only the audit certificate: --certificate, or the audit certificates the database holds (each checked to \
            chain to a root CA the database holds). Records after the latest checkpoint are reported as not yet checkpointed. \
            With SIGNET_AUDIT_KEY_FILE set, every record's MAC is checked as well.
            """
        )
        @Option(name: .customLong("certificate"), help: "An audit certificate (PEM) checkpoints may be signed by; repeatable.") var certificates: [String] = []
        @Option(help: "The checkpoint sink file (JSON lines) to compare the database's checkpoints with.") var checkpoints: String?

        func run() async throws {
            let given = try certificates.flatMap { try readCertificates($0) }
            let sink = try checkpoints.map { (name: $0, checkpoints: try AuditCheckpointSink.read($0)) }
            let keyFile = ProcessInfo.processInfo.environment["SIGNET_AUDIT_KEY_FILE"] ?? ""
            let key = keyFile.isEmpty ? nil : try AuditKey(file: keyFile)
            let outcome: Result<AuditVerifier.Verification, AuditVerificationError> = try await Runtime.with(token: false, auditKeyOptional: true) { runtime in
                do {
                    let trusted = given.isEmpty ? try await AuditVerifier.storedSigners(runtime.database) : given
                    return .success(try await AuditVerifier(database: runtime.database, key: key, trusted: trusted, sink: sink).verify())
                } catch let error as AuditVerificationError {
                    return .failure(error)
                }
            }
            let verification: AuditVerifier.Verification
            switch outcome {
            case .failure(let error):
                print("audit chain UNVERIFIED: \(error)")
                throw ExitCode(1)
            case .success(let result): verification = result
            }
            if let problem = verification.problem {
                print("audit chain BROKEN: \(problem)")
                throw ExitCode(1)
            }
            var text = "audit chain intact: \(verification.sealed) sealed records, \(verification.unsealed) awaiting sealing; "
            if let latest = verification.latest {
                text += "\(latest.sequence) covered by \(verification.checkpoints) checkpoints (latest made \(RFC3339.string(latest.time)) by audit certificate \(latest.signer)), "
            } else {
                text += "no checkpoint yet, "
            }
            text += "\(verification.notCheckpointed) not yet checkpointed; "
            text += verification.checkedMACs ? "record MACs checked" : "checked with the public key only"
            print(text)
        }
    }

    struct Seal: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Link records not yet in the chain (the server does this continuously).")

        func run() async throws {
            let total = try await Runtime.with(token: false) { runtime in
                var total = 0
                while true {
                    let sealed = try await runtime.database.auditChain.sealPending()
                    total += sealed
                    if sealed == 0 { return total }
                }
            }
            print("sealed \(total) records")
        }
    }

    struct InitKey: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "init-key",
            abstract: "Generate the audit key in the token and have a root CA issue its certificate through the gate; prints the certificate (PEM).",
            discussion: "Servers on this token sign checkpoints with the newest audit key. Keep the printed certificate: `audit verify --certificate` needs only it."
        )
        @Option(help: "The root CA that issues the audit certificate.") var ca: String
        @Option(help: "The profile of the audit certificate.") var profile: String = "audit-signer"
        @Option(help: "Key generated in the token: ec-p256 or ec-p384.") var key: String = "ec-p256"
        @Flag(name: .customLong("if-missing"), help: "Do nothing (but print the current certificate) when this token already holds an audit key.") var ifMissing = false

        func run() async throws {
            guard let spec = KeySpec(key) else { throw ValidationError("unknown key type '\(key)'") }
            let der = try await Runtime.with(token: true) { runtime in
                let core = runtime.core!
                if ifMissing, let existing = try await runtime.database.auditCheckpoints.signers().first(where: core.holdsKey) {
                    return existing.certificateDER
                }
                return try await reportingGateErrors {
                    let signer = try await core.createAuditSigner(caID: ca, profileID: profile, keySpec: spec, requester: .localAdministrator("cli:\(NSUserName())"))
                    try await runtime.database.auditCheckpoints.save(signer)
                    return signer.certificateDER
                }
            }
            print(PEMDocument(type: "CERTIFICATE", derBytes: der).pemString)
        }
    }

    struct Checkpoint: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Seal what is pending and checkpoint the chain head now (the server does this periodically); prints the checkpoint as a JSON line.")
        @Option(help: "Also append the checkpoint to this sink file.") var sink: String?

        func run() async throws {
            let outcome = try await Runtime.with(token: true) { runtime in
                while try await runtime.database.auditChain.sealPending() > 0 {}
                return try await runtime.database.auditCheckpoints.checkpoint(core: runtime.core!)
            }
            switch outcome {
            case .made(let checkpoint):
                try AuditCheckpointSink(file: sink, standardOutput: true).append(checkpoint)
            case .unchanged: print("no new sealed records since the latest checkpoint")
            case .lockBusy: print("the sealer holds the lock; try again"); throw ExitCode(1)
            case .noSigner: print("no audit key on this token: run `signet audit init-key --ca <root>`"); throw ExitCode(1)
            case .broken(let problem): print("not checkpointed: \(problem)"); throw ExitCode(1)
            }
        }
    }
}

/// Every certificate in a PEM file.
func readCertificates(_ path: String) throws -> [Certificate] {
    guard let data = FileManager.default.contents(atPath: path) else { throw ValidationError("cannot read \(path)") }
    do {
        let certificates = try PEMDocument.parseMultiple(pemString: String(decoding: data, as: UTF8.self))
            .filter { $0.discriminator == "CERTIFICATE" }.map { try Certificate(derEncoded: $0.derBytes) }
        guard !certificates.isEmpty else { throw ValidationError("\(path) holds no PEM certificate") }
        return certificates
    } catch let error as ValidationError {
        throw error
    } catch {
        throw ValidationError("\(path): \(error)")
    }
}
