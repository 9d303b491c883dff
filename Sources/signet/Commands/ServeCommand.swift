import ArgumentParser
import Foundation
import Logging
import SignetServer

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the CA API over HTTPS until SIGTERM or SIGINT.",
        discussion: """
        Settings come from --config (JSON, snake_case keys) and the environment, which wins:
        SIGNET_LISTEN_HOST, SIGNET_LISTEN_PORT, SIGNET_TLS_CERTIFICATE_FILE, SIGNET_TLS_KEY_FILE,
        SIGNET_PKCS11_MODULE, SIGNET_TOKEN_LABEL, SIGNET_PIN_FILE, SIGNET_DATABASE_URL,
        SIGNET_AUDIT_KEY_FILE, SIGNET_PUBLIC_URL, SIGNET_JWKS_FILE, SIGNET_JWT_ISSUER,
        SIGNET_JWT_AUDIENCE, SIGNET_ROLE_CLAIM. See deploy/signet.example.json.
        """
    )

    @Option(help: "A JSON configuration file.") var config: String?
    @Option(help: "Log level: trace, debug, info, notice, warning, error.") var logLevel: String = "info"

    func run() async throws {
        let configuration = try ServerConfiguration.load(file: config, environment: ProcessInfo.processInfo.environment)
        let level = Logger.Level(rawValue: logLevel) ?? .info
        if try configuration.logOutput() == .json {
            LoggingSystem.bootstrap { label in
                var handler = JSONLogHandler(label: label)
                handler.logLevel = level
                return handler
            }
        }
        var logger = Logger(label: "signet")
        logger.logLevel = level
        logger.info("serving", metadata: ["address": "https://\(configuration.listenHost):\(configuration.listenPort)"])
        try await SignetServer.run(configuration, logger: logger)
    }
}
