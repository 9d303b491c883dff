import ArgumentParser
import Foundation
import SignetCore
import SwiftASN1

struct IssueCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "issue",
        abstract: "Issue a certificate for a CSR through the gate.",
        discussion: "Writes the PEM certificate, or prints the refusal with the rule it broke and exits 2."
    )

    @Option(help: "The issuing CA's id.") var ca: String
    @Option(help: "The CSR file (PEM or DER), or - for standard input.") var csr: String
    @Option(help: "The issuance profile; default: the CA's.") var profile: String?
    @Option(help: "Where to write the PEM certificate; default: standard output.") var out: String?

    func run() async throws {
        let input = try readInput(csr)
        try await Runtime.with(token: true) { runtime in
            let issued = try await reportingGateErrors {
                try await runtime.core!.issue(csr: input, caID: ca, profileID: profile, requester: Requester.localAdministrator("cli:\(NSUserName())"))
            }
            let pem = PEMDocument(type: "CERTIFICATE", derBytes: issued.record.der).pemString + "\n"
            if let out {
                try Data(pem.utf8).write(to: URL(fileURLWithPath: out))
                FileHandle.standardError.write(Data("issued serial \(issued.record.serialNumber) -> \(out)\n".utf8))
            } else {
                print(pem, terminator: "")
            }
        }
    }
}
