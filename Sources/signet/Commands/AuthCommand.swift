import ArgumentParser
import Foundation
import SignetAuth
import SignetCore
import SignetStore

struct AuthCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "auth",
        abstract: "Local development tokens: a signing key, its JWKS, and tokens signed with it.",
        subcommands: [Init.self, IssueJWT.self, ConsoleLink.self]
    )

    struct Init: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a local ES256 signing key and the JWKS the server verifies with (keeps existing ones).")
        @Option(help: "Where the private key goes (0600).") var keyFile: String
        @Option(help: "Where the JWKS goes.") var jwksFile: String

        func run() throws {
            if FileManager.default.fileExists(atPath: keyFile) && FileManager.default.fileExists(atPath: jwksFile) { return }
            let (issuer, pem) = JWTIssuer.generate(keyID: "signet-local-\(Int(Date().timeIntervalSince1970))")
            FileManager.default.createFile(atPath: keyFile, contents: Data(pem.utf8), attributes: [.posixPermissions: 0o600])
            try issuer.jwks.write(to: URL(fileURLWithPath: jwksFile))
        }
    }

    struct IssueJWT: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "issue-jwt", abstract: "Print a bearer token signed with the local key.")
        @Option(help: "admin, operator or auditor (repeatable).") var role: [String]
        @Option(help: "The token's subject.") var subject: String = "local-admin"
        @Option(help: "Lifetime in seconds.") var lifetime: Int = 8 * 3600
        @Option(help: "The local signing key (default: SIGNET_JWT_KEY_FILE).") var keyFile: String?

        func run() throws {
            let environment = ProcessInfo.processInfo.environment
            guard let file = keyFile ?? environment["SIGNET_JWT_KEY_FILE"], let pem = try? String(contentsOfFile: file, encoding: .utf8) else {
                throw ValidationError("no readable signing key: pass --key-file or set SIGNET_JWT_KEY_FILE")
            }
            let known = ["admin", "operator", "auditor"]
            if let unknown = role.first(where: { !known.contains($0) }) { throw ValidationError("unknown role '\(unknown)'; use \(known)") }
            let issuer = try JWTIssuer(privateKeyPEM: pem, keyID: Self.keyID(environment))
            print(issuer.issue(
                subject: subject, roles: role,
                issuer: environment["SIGNET_JWT_ISSUER"] ?? "signet-local", audience: environment["SIGNET_JWT_AUDIENCE"] ?? "signet",
                lifetime: TimeInterval(lifetime)
            ))
        }

        /// The kid from the JWKS next to the key, so the server picks the right key.
        static func keyID(_ environment: [String: String]) -> String {
            guard let file = environment["SIGNET_JWKS_FILE"], let data = FileManager.default.contents(atPath: file),
                  let set = try? JWKSet(json: data), let kid = set.keyIDs.compactMap({ $0 }).first else { return "signet-local" }
            return kid
        }
    }

    struct ConsoleLink: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "console-link",
            abstract: "Print a one-time link that signs into the web console.",
            discussion: "The link opens one session (8 h) with the roles given, within its lifetime; it is recorded in the audit trail. Anyone holding it can use it once: hand it over as you would a password."
        )
        @Option(help: "admin, operator or auditor (repeatable).") var role: [String]
        @Option(help: "Who the session is for, as audit records name them (console:<subject>).") var subject: String
        @Option(help: "Seconds the link may wait to be used.") var lifetime: Int = 300
        @Option(help: "The console's address (default: SIGNET_CONSOLE_URL, else https://localhost:8443).") var baseURL: String?

        func validate() throws {
            let known = ["admin", "operator", "auditor"]
            guard !role.isEmpty else { throw ValidationError("give at least one --role (\(known.joined(separator: ", ")))") }
            if let unknown = role.first(where: { !known.contains($0) }) { throw ValidationError("unknown role '\(unknown)'; use \(known)") }
            guard (1...3600).contains(lifetime) else { throw ValidationError("--lifetime must be 1 to 3600 seconds") }
            guard !subject.isEmpty, subject.count <= 128, subject.allSatisfy({ $0.isLetter || $0.isNumber || "-_.@".contains($0) }) else {
                throw ValidationError("--subject must be 1 to 128 letters, digits, '-', '_', '.' or '@'")
            }
        }

        func run() async throws {
            let base = baseURL ?? ProcessInfo.processInfo.environment["SIGNET_CONSOLE_URL"] ?? "https://localhost:8443"
            let roles = role.sorted(), subject = self.subject, lifetime = self.lifetime
            let ticket = try await Runtime.with(token: false) { runtime in
                let ticket = try await runtime.database.consoleSessions.issueTicket(subject: subject, roles: roles, lifetime: TimeInterval(lifetime))
                try await runtime.database.auditTrail.append(AuditRecord(
                    category: .api, action: "CONSOLE link issued", actor: "cli:\(NSUserName())", target: "console:\(subject)", outcome: "201",
                    detail: #"{"roles":\#(roles.map { "\"\($0)\"" }.joined(separator: ",").wrappedInBrackets),"lifetime_seconds":\#(lifetime)}"#
                ))
                return ticket
            }
            print("\(base.hasSuffix("/") ? String(base.dropLast()) : base)/console/login?ticket=\(ticket)")
        }
    }
}

private extension String {
    var wrappedInBrackets: String { "[" + self + "]" }
}
