import ArgumentParser

@main
struct Signet: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "signet",
        abstract: "An HSM-backed certificate authority: every CA key lives in a PKCS#11 token.",
        discussion: """
        Settings come from the environment (deploy/setup writes them to <state>/env):
          SIGNET_PKCS11_MODULE   path of the PKCS#11 module
          SIGNET_TOKEN_LABEL     label of the token holding the CA keys
          SIGNET_PIN_FILE        file holding the user PIN (or SIGNET_PIN with the PIN itself)
          SIGNET_DATABASE_URL    postgres://user:password@host:port/database
          SIGNET_PUBLIC_URL      base URL for CRL, OCSP and caIssuers URLs in certificates (optional)
        """,
        subcommands: [ServeCommand.self, ProfileCommand.self, CACommand.self, IssueCommand.self, CertCommand.self, AuditCommand.self, AuthCommand.self, TokenCommand.self, DMSCommand.self, DeviceCommand.self, BenchCommand.self]
    )
}
