import ArgumentParser
import Foundation
import SignetCore

struct ProfileCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "profile",
        abstract: "Manage issuance profiles.",
        subcommands: [Apply.self, List.self, Explain.self]
    )

    struct Apply: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Load or update profiles from a JSON file or every *.json file in a directory.",
            discussion: "An updated profile gets a new version hash; certificates issued earlier keep the version they were issued under."
        )

        @Argument(help: "A profile JSON file, or a directory of them.")
        var path: String

        func run() async throws {
            let profiles = try Self.load(path)
            try await Runtime.with(token: false) { runtime in
                for profile in profiles {
                    let stored = StoredProfile(profile)
                    let outcome = try await runtime.stores.profiles.save(stored)
                    print("\(outcome.rawValue) \(profile.id) version \(stored.version.prefix(16))")
                }
            }
        }

        /// The file itself, or every *.json file of a directory, in name order.
        static func files(_ path: String) throws -> [String] {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw ValidationError("\(path) does not exist")
            }
            return isDirectory.boolValue
                ? try FileManager.default.contentsOfDirectory(atPath: path).filter { $0.hasSuffix(".json") }.sorted().map { "\(path)/\($0)" }
                : [path]
        }

        /// Every profile decoded before any is saved: one bad file changes nothing.
        static func load(_ path: String) throws -> [IssuanceProfile] {
            try files(path).map { file in
                do {
                    return try IssuanceProfile.decode(Data(try readInput(file)))
                } catch let error as ProfileError {
                    throw ValidationError("\(file): \(error)")
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the current profiles.")

        func run() async throws {
            try await Runtime.with(token: false) { runtime in
                for stored in try await runtime.stores.profiles.profiles() {
                    let p = stored.profile
                    print("\(p.id)\tversion \(stored.version.prefix(16))\tsign_as_ca=\(p.signAsCA)\t\(p.name)")
                }
            }
        }
    }

    struct Explain: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show what the gate would decide for a CSR under a profile, rule by rule; nothing is signed or recorded.",
            discussion: "Exits 0 when the request would be approved, 2 when a rule refuses it."
        )
        @Option(help: "The CSR (PEM, DER or base64 DER), or - for standard input.") var csr: String
        @Option(help: "The profile's id.") var profile: String
        @Option(help: "The CA that would sign (its validity, allowed profiles and name constraints apply).") var ca: String?

        func run() async throws {
            let input = try readInput(csr)
            let explanation = try await Runtime.with(token: true) { runtime in
                try await runtime.core!.explain(csr: input, profileID: profile, caID: ca, requester: .localAdministrator("cli:\(NSUserName())"))
            }
            for rule in explanation.rules {
                print("\(rule.passed ? "pass" : "FAIL")\t\(rule.rule)\t\(rule.detail)")
            }
            if let plan = explanation.plan {
                print("subject\t\(plan.subject)")
                print("validity\t\(RFC3339.string(plan.notBefore)) to \(RFC3339.string(plan.notAfter))")
            }
            guard explanation.approved else {
                FileHandle.standardError.write(Data("refused: rule '\(explanation.failedRule ?? "")'\n".utf8))
                throw ExitCode(2)
            }
        }
    }
}
