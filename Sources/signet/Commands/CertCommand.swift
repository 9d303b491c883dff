import ArgumentParser
import Foundation
import SignetCore
import SwiftASN1

struct CertCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cert",
        abstract: "List, show, revoke and un-hold issued certificates.",
        subcommands: [List.self, Show.self, Revoke.self, Unhold.self]
    )

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a certificate (final, except for CertificateHold).")
        @Argument(help: "The serial number (hex).") var serial: String
        @Option(help: "RFC 5280 reason: \(RevocationReason.names).") var reason: String = "Unspecified"
        @Option(help: "When the key is known or suspected to have been compromised (RFC 3339).") var invalidityDate: String?

        func run() async throws {
            guard let parsed = RevocationReason(name: reason) else { throw ValidationError("reason must be one of \(RevocationReason.names)") }
            let invalidity = try invalidityDate.map { text in
                guard let date = RFC3339.date(text) else { throw ValidationError("--invalidity-date must be an RFC 3339 time") }
                return date
            }
            try await Runtime.with(token: true) { runtime in
                let state = try await reportingGateErrors {
                    try await runtime.core!.revoke(serialNumber: serial, reason: parsed, invalidityDate: invalidity, requester: Requester.localAdministrator("cli:\(NSUserName())"))
                }
                print("revoked \(state.serialNumber) (\(state.reason?.name ?? "Unspecified")) of CA \(state.issuerCAID)")
            }
        }
    }

    struct Unhold: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Return a certificate on CertificateHold to ACTIVE.")
        @Argument(help: "The serial number (hex).") var serial: String

        func run() async throws {
            try await Runtime.with(token: true) { runtime in
                let state = try await reportingGateErrors {
                    try await runtime.core!.unhold(serialNumber: serial, requester: Requester.localAdministrator("cli:\(NSUserName())"))
                }
                print("\(state.serialNumber) of CA \(state.issuerCAID) is ACTIVE again")
            }
        }
    }

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
