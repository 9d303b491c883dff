import ArgumentParser
import Foundation
import Logging
import SignetDMS
import SignetStore

struct DeviceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "device",
        abstract: "Manage registered devices.",
        subcommands: [Import.self]
    )

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register devices from a CSV file (columns id, dms, tags, metadata, group) as a job, and report its rows.",
            discussion: """
            Tags are separated by ';', metadata is key=value pairs separated by ';'. The header is row 1.
            The job runs here unless a server picked it up first; either way the command waits for the report.
            Exit status 0 when every row was registered, 2 when some rows were refused.
            """
        )

        @Argument(help: "The CSV file ('-' for standard input).")
        var file: String

        func run() async throws {
            let bytes = try readInput(file)
            let rows: Int
            do { rows = try DeviceImport(csv: bytes).rows().count } catch { throw ValidationError("\(file): \(error)") }
            let job = try await Runtime.with(token: false) { runtime in
                let registry = Registry(database: runtime.database)
                let id = try await registry.createJob(kind: "DEVICE_IMPORT", actor: "cli:\(NSUserName())", input: bytes, totalRows: rows)
                print("job \(id.uuidString.lowercased()): \(rows) rows")
                while true {
                    if let claimed = try await registry.claimJob(id: id, runner: "cli \(NSUserName())@\(ProcessInfo.processInfo.hostName) pid \(ProcessInfo.processInfo.processIdentifier)") {
                        try await DeviceImport.run(claimed, registry: registry, logger: Logger(label: "signet.import"))
                    }
                    guard let job = try await registry.job(id: id) else { throw ValidationError("job \(id) disappeared") }
                    if job.status == "DONE" || job.status == "FAILED" { return job }
                    try await Task.sleep(for: .milliseconds(500))
                }
            }
            for error in job.errors { print("row \(error.row): \(error.message)") }
            print("\(job.status): \(job.succeeded) registered, \(job.failed) refused\(job.message.map { " (\($0))" } ?? "")")
            if job.status == "FAILED" { throw ExitCode(1) }
            if job.failed > 0 { throw ExitCode(2) }
        }
    }
}
