import ArgumentParser
import Foundation
import SignetCore
import SignetToken
import SwiftASN1
import X509

struct CACommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ca",
        abstract: "Create, import and list certificate authorities.",
        subcommands: [CreateRoot.self, CreateSub.self, Import.self, AllowProfiles.self, List.self, Show.self, Revoke.self, PublishCRL.self]
    )

    struct NewCAOptions: ParsableArguments {
        @Option(help: "The CA's id (letters, digits, '.', '_', '-').") var id: String
        @Option(help: "The CA's subject, e.g. 'CN=Signet Root,O=Example,C=DE'.") var subject: String
        @Option(help: "Key generated in the token: ec-p256, ec-p384, rsa-2048, rsa-3072, rsa-4096.") var key: String = "ec-p256"
        @Option(help: "The sign_as_ca profile the CA certificate is issued under.") var profile: String
        @Option(name: .customLong("issuance-profile"), help: "The default profile for what the CA signs.") var issuanceProfile: String
        @Option(name: .customLong("allow-profile"), help: "A profile the CA may issue with (repeatable); default: the issuance profile only.") var allowedProfiles: [String] = []

        func request(parent: String?) throws -> CACreationRequest {
            guard let spec = KeySpec(key) else { throw ValidationError("unknown key type '\(key)'") }
            let name: DistinguishedName
            do { name = try SubjectText.parse(subject) } catch { throw ValidationError("--subject: \(error)") }
            var request = CACreationRequest(
                id: id, subject: name, keySpec: spec, profileID: profile, issuanceProfileID: issuanceProfile,
                parentID: parent, requester: Requester.localAdministrator("cli:\(NSUserName())")
            )
            if !allowedProfiles.isEmpty {
                request.allowedProfiles = allowedProfiles.contains(issuanceProfile) ? allowedProfiles : [issuanceProfile] + allowedProfiles
            }
            return request
        }
    }

    struct CreateRoot: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a root CA: key generated in the token, certificate self-signed through the gate.")
        @OptionGroup var options: NewCAOptions

        func run() async throws {
            let request = try options.request(parent: nil)
            try await Runtime.with(token: true) { runtime in
                try await reportingGateErrors { try await printCA(runtime.core!.createCA(request)) }
            }
        }
    }

    struct CreateSub: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a subordinate CA: key generated in the token, certificate signed by its parent through the gate.")
        @Option(help: "The parent CA's id.") var parent: String
        @OptionGroup var options: NewCAOptions

        func run() async throws {
            let request = try options.request(parent: parent)
            try await Runtime.with(token: true) { runtime in
                try await reportingGateErrors { try await printCA(runtime.core!.createCA(request)) }
            }
        }
    }

    struct AllowProfiles: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "allow-profiles",
            abstract: "Set the only profiles a CA issues with (its default issuance profile must be among them)."
        )
        @Argument(help: "The CA's id.") var ca: String
        @Argument(help: "The profiles.") var profiles: [String]

        func run() async throws {
            try await Runtime.with(token: true) { runtime in
                try await reportingGateErrors {
                    let updated = try await runtime.core!.setAllowedProfiles(caID: ca, profiles: profiles, requester: .localAdministrator("cli:\(NSUserName())"))
                    print("\(updated.id): \(updated.allowedProfiles.joined(separator: ", "))")
                }
            }
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Import an external CA certificate (PEM or DER) without a key: a trust anchor that never signs.")
        @Option(help: "The id to give the imported CA.") var id: String
        @Option(help: "The CA certificate file, or - for standard input.") var cert: String

        func run() async throws {
            let input = try readInput(cert)
            try await Runtime.with(token: true) { runtime in
                try await reportingGateErrors {
                    try await printCA(runtime.core!.importCA(id: id, certificate: input, requester: Requester.localAdministrator("cli:\(NSUserName())")))
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List CAs.")

        func run() async throws {
            try await Runtime.with(token: false) { runtime in
                print("ID\tKIND\tLEVEL\tPARENT\tSTATUS\tDEFAULT PROFILE\tSUBJECT")
                for ca in try await runtime.stores.cas.cas() {
                    let subject = (try? Certificate(derEncoded: ca.certificateDER))?.subject.description ?? "?"
                    print("\(ca.id)\t\(ca.kind.rawValue)\t\(ca.level)\t\(ca.parentID ?? "-")\t\(ca.status.rawValue)\t\(ca.issuanceProfileID ?? "-")\t\(subject)")
                }
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a CA's certificate as PEM.")
        @Argument(help: "The CA's id.") var id: String

        func run() async throws {
            try await Runtime.with(token: false) { runtime in
                guard let ca = try await runtime.stores.cas.ca(id: id) else { throw ValidationError("no CA with id '\(id)'") }
                print(PEMDocument(type: "CERTIFICATE", derBytes: ca.certificateDER).pemString)
            }
        }
    }
}

func printCA(_ ca: CARecord) {
    FileHandle.standardError.write(Data("created CA '\(ca.id)' (\(ca.kind.rawValue), level \(ca.level)), key \(ca.keyURI ?? "none")\n".utf8))
    print(PEMDocument(type: "CERTIFICATE", derBytes: ca.certificateDER).pemString)

}

extension CACommand {
    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a CA, its subordinate CAs and everything they issued.")
        @Argument(help: "The CA id.") var id: String
        @Option(help: "Reason for the CA's own certificate: \(RevocationReason.names).") var reason: String = "CessationOfOperation"

        func run() async throws {
            guard let parsed = RevocationReason(name: reason) else { throw ValidationError("reason must be one of \(RevocationReason.names)") }
            try await Runtime.with(token: true) { runtime in
                let outcome = try await reportingGateErrors {
                    try await runtime.core!.revokeCA(id: id, reason: parsed, requester: Requester.localAdministrator("cli:\(NSUserName())"))
                }
                print("revoked CAs \(outcome.revokedCAs.joined(separator: ", ")) and \(outcome.revokedCertificates) certificates")
            }
        }
    }

    struct PublishCRL: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "publish-crl", abstract: "Publish a full CRL and a delta CRL for a CA now.")
        @Argument(help: "The CA id.") var id: String

        func run() async throws {
            try await Runtime.with(token: true) { runtime in
                let published = try await reportingGateErrors {
                    try await runtime.core!.publishCRLs(caID: id, forceFull: true, requester: Requester.localAdministrator("cli:\(NSUserName())"))
                }
                for crl in published {
                    print("\(crl.kind.rawValue) CRL number \(crl.number)\(crl.baseNumber.map { " (base \($0))" } ?? ""): \(crl.entries) entries, next update \(RFC3339.string(crl.nextUpdate))")
                }
            }
        }
    }
}
