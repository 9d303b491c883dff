import ArgumentParser
import Foundation
import Logging
import SignetCore
import SignetServer
import SignetStore
import SignetToken

/// The settings every command reads from the environment.
struct Settings {
    let environment = ProcessInfo.processInfo.environment

    func required(_ name: String) throws -> String {
        guard let value = environment[name], !value.isEmpty else {
            throw ValidationError("\(name) is not set (source the env file that deploy/setup wrote, e.g. `. .state/dev/env`)")
        }
        return value
    }

    var pinSource: PINSource {
        get throws {
            if let file = environment["SIGNET_PIN_FILE"], !file.isEmpty { return .file(file) }
            if environment["SIGNET_PIN"] != nil { return .environment("SIGNET_PIN") }
            throw ValidationError("set SIGNET_PIN_FILE (a file holding the token PIN) or SIGNET_PIN")
        }
    }

    func tokenConfiguration(maxSessions: Int = 8) throws -> TokenConfiguration {
        TokenConfiguration(
            modulePath: try required("SIGNET_PKCS11_MODULE"),
            label: try required("SIGNET_TOKEN_LABEL"),
            pin: try pinSource,
            maxSessions: maxSessions
        )
    }
}

/// Database (with migrations applied) and, when asked for, the token and the gate.
struct Runtime {
    let database: Database
    let stores: CoreStores
    let token: Token?
    let core: SigningCore?

    /// Runs `body` with the database pool running beside it. With `auditKeyOptional`, a
    /// missing SIGNET_AUDIT_KEY_FILE gives a read-only process a random key (see `AuditKey.ephemeral`).
    static func with<T: Sendable>(token needsToken: Bool, auditKeyOptional: Bool = false, _ body: @Sendable (Runtime) async throws -> T) async throws -> T {
        let settings = Settings()
        var logger = Logger(label: "signet")
        logger.logLevel = .warning
        let database = try Database(
            url: try settings.required("SIGNET_DATABASE_URL"),
            auditKey: auditKeyOptional && (settings.environment["SIGNET_AUDIT_KEY_FILE"] ?? "").isEmpty
                ? AuditKey.ephemeral() : try AuditKey(file: try settings.required("SIGNET_AUDIT_KEY_FILE")),
            logger: logger
        )
        let token = needsToken ? try Token(try settings.tokenConfiguration()) : nil
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await database.run() }
            defer { group.cancelAll() }
            try await database.migrate()
            let stores = database.stores
            // The server's OCSP settings from the same environment, so that a certificate
            // issued here gets what the server would give it (its first OCSP response).
            let revocation = try ServerConfiguration.load(file: nil, environment: settings.environment).revocationSettings()
            let core = token.map {
                SigningCore(token: $0, stores: stores, publicBaseURL: settings.environment["SIGNET_PUBLIC_URL"], revocationSettings: revocation, logger: logger)
            }
            return try await body(Runtime(database: database, stores: stores, token: token, core: core))
        }
    }
}

/// Turns gate errors into a message and exit code: 2 for a refusal, 1 for anything else.
func reportingGateErrors<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch GateError.refused(let refusal) {
        FileHandle.standardError.write(Data("refused: rule '\(refusal.rule)': \(refusal.detail)\n".utf8))
        throw ExitCode(2)
    } catch let error as GateError {
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        throw ExitCode(1)
    }
}

func readInput(_ path: String) throws -> [UInt8] {
    if path == "-" { return Array(FileHandle.standardInput.readDataToEndOfFile()) }
    guard let data = FileManager.default.contents(atPath: path) else { throw ValidationError("cannot read \(path)") }
    return Array(data)
}
