import ArgumentParser
import Foundation
import SignetDMS
import SignetQuery
import SignetServer
import SignetStore

struct DMSCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dms",
        abstract: "Manage DMSs (the enrollment policy of a device population).",
        subcommands: [Apply.self, List.self]
    )

    struct Apply: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create or replace DMSs from a JSON file or every *.json file in a directory (e.g. policies/dms).",
            discussion: """
            Every document is read and checked (settings, CAs, profiles) before any is saved: one bad file changes nothing.
            Templates name CAs by role; --ca maps such a name to a CA of this installation, e.g. --ca manufacturer=vendor-root.
            """
        )

        @Argument(help: "A DMS JSON file, or a directory of them.")
        var path: String

        @Option(name: .customLong("ca"), help: "name=id: use CA 'id' wherever the documents name CA 'name' (repeatable).")
        var caMappings: [String] = []

        func run() async throws {
            let mapping = try Self.mapping(caMappings)
            let documents = try ProfileCommand.Apply.files(path).map { file in
                do {
                    return try DMSDocument(reading: Self.mapped(try JSONValue(parsing: Data(try readInput(file))), mapping))
                } catch {
                    throw ValidationError("\(file): \(error)")
                }
            }
            // The bundle the servers distribute, read as `signet serve` reads it.
            let bundle = Settings().environment["SIGNET_SYSTEM_CA_BUNDLE"] ?? ""
            let systemCAsAvailable = try !bundle.isEmpty && !SystemCABundle(file: bundle).isEmpty
            try await Runtime.with(token: false) { runtime in
                let registry = Registry(database: runtime.database)
                for document in documents {
                    do {
                        try await document.settings.checkReferences(cas: runtime.stores.cas, profiles: runtime.stores.profiles, systemCAsAvailable: systemCAsAvailable)
                    } catch {
                        throw ValidationError("DMS \(document.id): \(error)")
                    }
                }
                for document in documents {
                    let record = document.record
                    if try await registry.dms(id: record.id) == nil {
                        try await registry.createDMS(record)
                        print("created \(record.id)")
                    } else {
                        try await registry.replaceDMS(id: record.id, name: record.name, settings: record.settings, preventiveDelta: record.preventiveDelta, criticalDelta: record.criticalDelta)
                        print("replaced \(record.id)")
                    }
                }
            }
        }

        static func mapping(_ pairs: [String]) throws -> [String: String] {
            var mapping: [String: String] = [:]
            for pair in pairs {
                let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { throw ValidationError("--ca \(pair): expected name=id") }
                mapping[parts[0]] = parts[1]
            }
            return mapping
        }

        /// Rewrites the CA ids in the settings' CA fields (and only there).
        static func mapped(_ document: JSONValue, _ mapping: [String: String]) -> JSONValue {
            guard !mapping.isEmpty else { return document }
            let caFields: Set<String> = ["enrollment_ca", "validation_cas", "additional_validation_cas", "managed_cas"]
            func walk(_ value: JSONValue, inCAField: Bool) -> JSONValue {
                switch value {
                case .string(let id) where inCAField: return .string(mapping[id] ?? id)
                case .array(let items): return .array(items.map { walk($0, inCAField: inCAField) })
                case .object(let members): return .object(members.reduce(into: [:]) { $0[$1.key] = walk($1.value, inCAField: caFields.contains($1.key)) })
                default: return value
                }
            }
            return walk(document, inCAField: false)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the DMSs.")

        func run() async throws {
            try await Runtime.with(token: false) { runtime in
                let registry = Registry(database: runtime.database)
                var request = ListRequest(sortBy: "id", pageSize: 1000)
                while true {
                    let page = try await registry.dmsList(request)
                    for dms in page.rows { print("\(dms.id)\t\(dms.name)") }
                    guard !page.next.isEmpty else { break }
                    request = try ListRequest(queryItems: [("bookmark", page.next)], schema: Schemas.dms)
                }
            }
        }
    }
}
