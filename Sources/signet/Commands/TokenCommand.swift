import ArgumentParser
import Foundation
import SignetToken

struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Inspect the configured token.",
        subcommands: [Info.self]
    )

    struct Info: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Log in and print the session capacity and the signing mechanisms Signet would use.")

        func run() async throws {
            let token = try Token(try Settings().tokenConfiguration())
            let (capacity, mechanisms) = try await token.perform { (try token.sessionCapacity(), try token.mechanisms()) }
            print("module\t\(token.configuration.modulePath)")
            print("token\t\(token.configuration.label)")
            print("sessions\t\(capacity)")
            let names: [(UInt, String)] = [(0x1041, "CKM_ECDSA"), (0x1044, "CKM_ECDSA_SHA256"), (0x1045, "CKM_ECDSA_SHA384"), (0x01, "CKM_RSA_PKCS"), (0x40, "CKM_SHA256_RSA_PKCS")]
            for (code, name) in names {
                print("\(name)\t\(mechanisms.contains(code) ? "yes" : "no")")
            }
        }
    }
}
