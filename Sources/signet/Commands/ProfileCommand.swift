import ArgumentParser
import Foundation
import SignetCore

struct ProfileCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "profile",
        abstract: "Manage issuance profiles.",
        subcommands: [Apply.self, List.self]
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
}
