import ArgumentParser
import Foundation
import SignetStore

struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Check the audit trail.",
        subcommands: [Verify.self, Seal.self]
    )

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Walk the hash chain and report the first record that was altered, inserted or deleted (exit 1).",
            discussion: "Needs SIGNET_AUDIT_KEY_FILE: rows are authenticated with it."
        )

        func run() async throws {
            let verification = try await Runtime.with(token: false) { runtime in try await runtime.database.auditChain.verify() }
            if let problem = verification.problem {
                print("audit chain BROKEN: \(problem)")
                throw ExitCode(1)
            }
            print("audit chain intact: \(verification.sealed) sealed records, \(verification.unsealed) awaiting sealing")
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
}
