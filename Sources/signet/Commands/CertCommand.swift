import ArgumentParser
import Foundation
import SignetCore
import SwiftASN1

struct CertCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cert",
        abstract: "List and show issued certificates.",
        subcommands: [List.self, Show.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List issued certificates by serial.")
        @Option(help: "Only certificates of this CA.") var ca: String?
        @Option(help: "Start after this serial (the last one a previous page printed).") var after: String?
        @Option(help: "At most this many (1-1000).") var limit: Int = 100

        func run() async throws {
            try await Runtime.with(token: false) { runtime in
                print("SERIAL\tISSUER\tSTATUS\tNOT AFTER\tPROFILE\tSUBJECT")
                for c in try await runtime.stores.certificates.page(issuerCAID: ca, after: after, limit: limit) {
                    print("\(c.serialNumber)\t\(c.issuerCAID)\t\(c.status.rawValue)\t\(RFC3339.string(c.notAfter))\t\(c.profileID)\t\(c.subject)")
                }
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a certificate as PEM.")
        @Argument(help: "The serial number (hex).") var serial: String

        func run() async throws {
            try await Runtime.with(token: false) { runtime in
                guard let record = try await runtime.stores.certificates.certificate(serialNumber: serial) else {
                    throw ValidationError("no certificate with serial \(serial)")
                }
                print(PEMDocument(type: "CERTIFICATE", derBytes: record.der).pemString)
            }
        }
    }
}
