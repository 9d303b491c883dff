import Foundation
import SignetCore

/// Everything `signet serve` needs, from a JSON file with environment overrides.
///
/// File keys are snake_case (`listen_host`, `tls_certificate_file`, …); each has an
/// environment variable that wins over the file (`SIGNET_LISTEN_HOST`, …). Secrets (PIN,
/// database password, audit key) are only ever referenced by file or variable name.
public struct ServerConfiguration: Sendable, Codable {
    public var listenHost = "127.0.0.1"
    public var listenPort = 8443
    public var tlsCertificateFile: String?
    public var tlsKeyFile: String?
    public var pkcs11Module: String?
    public var tokenLabel: String?
    public var pinFile: String?
    public var databaseURL: String?
    public var auditKeyFile: String?
    public var publicURL: String?
    public var jwksFile: String?
    public var jwtIssuer = "signet-local"
    public var jwtAudience = "signet"
    /// Dotted path of the roles claim; Keycloak's `realm_access.roles` by default.
    public var roleClaim = "realm_access.roles"
    public var tokenSessions = 8
    public var databaseConnections = 20
    /// Durations as `24h`, `30m`, `7d` (see `DurationText`).
    public var crlValidity = "24h"
    public var crlFullInterval = "1h"
    public var deltaCRLValidity = "1h"
    /// A full CRL follows revocation changes once they have been quiet this long …
    public var crlFullDebounce = "2s"
    /// … and at most this long after the first of them (see `RevocationSettings`).
    public var crlFullMaxDelay = "10s"
    public var ocspValidity = "24h"
    public var ocspRefreshBefore = "12h"
    /// Sign OCSP responses ahead of requests (off: every first request signs).
    public var ocspPresign = true
    /// `ignore` (default) or `honour`: whether request nonces are echoed, at the cost of a
    /// token signature each (rate-limited; see `OCSPNoncePolicy`).
    public var ocspNonce = "ignore"
    /// The most CertIDs one OCSP request may name; more is answered `malformedRequest`.
    public var ocspMaxCertIDs = 1
    /// The DMS that `/.well-known/est/<operation>` (without an APS segment) enrolls into.
    public var estDefaultDMS: String?
    /// CA certificates (PEM) trusted for DMS webhooks besides the system's, for webhooks
    /// behind a private PKI.
    public var estWebhookCAFile: String?
    /// CA certificates (PEM) that DMSs with `include_system_ca` distribute beside Signet's own.
    public var systemCABundle: String?
    /// Per-DMS AES keys for encrypting server-generated keys (see `ESTKeyEncryptionKeys`).
    public var estKeyEncryptionKeysFile: String?
    /// How often the sealed head is checkpointed with the audit key (when it moved).
    public var auditCheckpointInterval = "10s"
    /// How old the oldest unsealed (or sealed but not checkpointed) record may be before `/ready` says so.
    public var auditUnsealedBound = "60s"
    /// A file checkpoints are appended to (JSON lines), for shipping elsewhere.
    public var auditCheckpointFile: String?
    /// Also write each checkpoint as a JSON line to standard output.
    public var auditCheckpointStdout = false
    /// Networks (CIDR, or single addresses) that may scrape `/metrics` without a JWT; from
    /// anywhere else it needs the `auditor` role. The environment form is comma-separated,
    /// `none` for an empty list.
    public var metricsAllow = ["127.0.0.1/32", "::1/128"]
    /// How often the gauges read from the token and the database are refreshed.
    public var metricsRefreshInterval = "15s"
    /// The console's address as browsers reach it (`https://ca.example.com`): where an OpenID
    /// Connect provider sends people back to.
    public var consoleURL: String?
    /// An OpenID Connect provider for console sign-in (authorization code with PKCE); its
    /// client id, the file holding its client secret (none for a public client), and CA
    /// certificates (PEM) its TLS is trusted with besides the system's.
    public var oidcIssuer: String?
    public var oidcClientID: String?
    public var oidcClientSecretFile: String?
    public var oidcCAFile: String?
    /// `text` (human-readable lines) or `json` (one JSON object per line).
    public var logFormat = "text"

    enum CodingKeys: String, CodingKey, CaseIterable {
        case listenHost = "listen_host", listenPort = "listen_port"
        case tlsCertificateFile = "tls_certificate_file", tlsKeyFile = "tls_key_file"
        case pkcs11Module = "pkcs11_module", tokenLabel = "token_label", pinFile = "pin_file"
        case databaseURL = "database_url", auditKeyFile = "audit_key_file", publicURL = "public_url"
        case jwksFile = "jwks_file", jwtIssuer = "jwt_issuer", jwtAudience = "jwt_audience", roleClaim = "role_claim"
        case tokenSessions = "token_sessions", databaseConnections = "database_connections"
        case crlValidity = "crl_validity", crlFullInterval = "crl_full_interval", deltaCRLValidity = "delta_crl_validity"
        case crlFullDebounce = "crl_full_debounce", crlFullMaxDelay = "crl_full_max_delay"
        case ocspValidity = "ocsp_validity", ocspRefreshBefore = "ocsp_refresh_before", ocspPresign = "ocsp_presign"
        case ocspNonce = "ocsp_nonce", ocspMaxCertIDs = "ocsp_max_certids"
        case estDefaultDMS = "est_default_dms", estWebhookCAFile = "est_webhook_ca_file", systemCABundle = "system_ca_bundle"
        case estKeyEncryptionKeysFile = "est_key_encryption_keys_file"
        case auditCheckpointInterval = "audit_checkpoint_interval", auditUnsealedBound = "audit_unsealed_bound"
        case auditCheckpointFile = "audit_checkpoint_file", auditCheckpointStdout = "audit_checkpoint_stdout"
        case metricsAllow = "metrics_allow", metricsRefreshInterval = "metrics_refresh_interval", logFormat = "log_format"
        case consoleURL = "console_url", oidcIssuer = "oidc_issuer", oidcClientID = "oidc_client_id"
        case oidcClientSecretFile = "oidc_client_secret_file", oidcCAFile = "oidc_ca_file"

        var environmentName: String {
            switch self {
            case .pkcs11Module: "SIGNET_PKCS11_MODULE"
            case .databaseURL: "SIGNET_DATABASE_URL"
            case .publicURL: "SIGNET_PUBLIC_URL"
            default: "SIGNET_" + rawValue.uppercased()
            }
        }
    }

    public init() {}

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = ServerConfiguration()
        listenHost = try c.decodeIfPresent(String.self, forKey: .listenHost) ?? defaults.listenHost
        listenPort = try c.decodeIfPresent(Int.self, forKey: .listenPort) ?? defaults.listenPort
        tlsCertificateFile = try c.decodeIfPresent(String.self, forKey: .tlsCertificateFile)
        tlsKeyFile = try c.decodeIfPresent(String.self, forKey: .tlsKeyFile)
        pkcs11Module = try c.decodeIfPresent(String.self, forKey: .pkcs11Module)
        tokenLabel = try c.decodeIfPresent(String.self, forKey: .tokenLabel)
        pinFile = try c.decodeIfPresent(String.self, forKey: .pinFile)
        databaseURL = try c.decodeIfPresent(String.self, forKey: .databaseURL)
        auditKeyFile = try c.decodeIfPresent(String.self, forKey: .auditKeyFile)
        publicURL = try c.decodeIfPresent(String.self, forKey: .publicURL)
        jwksFile = try c.decodeIfPresent(String.self, forKey: .jwksFile)
        jwtIssuer = try c.decodeIfPresent(String.self, forKey: .jwtIssuer) ?? defaults.jwtIssuer
        jwtAudience = try c.decodeIfPresent(String.self, forKey: .jwtAudience) ?? defaults.jwtAudience
        roleClaim = try c.decodeIfPresent(String.self, forKey: .roleClaim) ?? defaults.roleClaim
        tokenSessions = try c.decodeIfPresent(Int.self, forKey: .tokenSessions) ?? defaults.tokenSessions
        databaseConnections = try c.decodeIfPresent(Int.self, forKey: .databaseConnections) ?? defaults.databaseConnections
        crlValidity = try c.decodeIfPresent(String.self, forKey: .crlValidity) ?? defaults.crlValidity
        crlFullInterval = try c.decodeIfPresent(String.self, forKey: .crlFullInterval) ?? defaults.crlFullInterval
        deltaCRLValidity = try c.decodeIfPresent(String.self, forKey: .deltaCRLValidity) ?? defaults.deltaCRLValidity
        crlFullDebounce = try c.decodeIfPresent(String.self, forKey: .crlFullDebounce) ?? defaults.crlFullDebounce
        crlFullMaxDelay = try c.decodeIfPresent(String.self, forKey: .crlFullMaxDelay) ?? defaults.crlFullMaxDelay
        ocspValidity = try c.decodeIfPresent(String.self, forKey: .ocspValidity) ?? defaults.ocspValidity
        ocspRefreshBefore = try c.decodeIfPresent(String.self, forKey: .ocspRefreshBefore) ?? defaults.ocspRefreshBefore
        ocspPresign = try c.decodeIfPresent(Bool.self, forKey: .ocspPresign) ?? defaults.ocspPresign
        ocspNonce = try c.decodeIfPresent(String.self, forKey: .ocspNonce) ?? defaults.ocspNonce
        ocspMaxCertIDs = try c.decodeIfPresent(Int.self, forKey: .ocspMaxCertIDs) ?? defaults.ocspMaxCertIDs
        estDefaultDMS = try c.decodeIfPresent(String.self, forKey: .estDefaultDMS)
        estWebhookCAFile = try c.decodeIfPresent(String.self, forKey: .estWebhookCAFile)
        systemCABundle = try c.decodeIfPresent(String.self, forKey: .systemCABundle)
        estKeyEncryptionKeysFile = try c.decodeIfPresent(String.self, forKey: .estKeyEncryptionKeysFile)
        auditCheckpointInterval = try c.decodeIfPresent(String.self, forKey: .auditCheckpointInterval) ?? defaults.auditCheckpointInterval
        auditUnsealedBound = try c.decodeIfPresent(String.self, forKey: .auditUnsealedBound) ?? defaults.auditUnsealedBound
        auditCheckpointFile = try c.decodeIfPresent(String.self, forKey: .auditCheckpointFile)
        auditCheckpointStdout = try c.decodeIfPresent(Bool.self, forKey: .auditCheckpointStdout) ?? defaults.auditCheckpointStdout
        metricsAllow = try c.decodeIfPresent([String].self, forKey: .metricsAllow) ?? defaults.metricsAllow
        metricsRefreshInterval = try c.decodeIfPresent(String.self, forKey: .metricsRefreshInterval) ?? defaults.metricsRefreshInterval
        logFormat = try c.decodeIfPresent(String.self, forKey: .logFormat) ?? defaults.logFormat
        consoleURL = try c.decodeIfPresent(String.self, forKey: .consoleURL)
        oidcIssuer = try c.decodeIfPresent(String.self, forKey: .oidcIssuer)
        oidcClientID = try c.decodeIfPresent(String.self, forKey: .oidcClientID)
        oidcClientSecretFile = try c.decodeIfPresent(String.self, forKey: .oidcClientSecretFile)
        oidcCAFile = try c.decodeIfPresent(String.self, forKey: .oidcCAFile)
    }

    /// Reads `file` (if given), then applies environment overrides, then checks completeness.
    public static func load(file: String?, environment: [String: String]) throws -> ServerConfiguration {
        var configuration = ServerConfiguration()
        if let file {
            guard let data = FileManager.default.contents(atPath: file) else { throw ConfigurationError("cannot read \(file)") }
            guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                throw ConfigurationError("\(file) is not a JSON object")
            }
            let known = Set(CodingKeys.allCases.map(\.rawValue))
            if let unknown = object.keys.sorted().first(where: { !known.contains($0) }) {
                throw ConfigurationError("\(file): unknown setting '\(unknown)'")
            }
            do { configuration = try JSONDecoder().decode(ServerConfiguration.self, from: data) } catch {
                throw ConfigurationError("\(file): \(error)")
            }
        }
        try configuration.apply(environment)
        return configuration
    }

    mutating func apply(_ environment: [String: String]) throws {
        func value(_ key: CodingKeys) -> String? { environment[key.environmentName].flatMap { $0.isEmpty ? nil : $0 } }
        func integer(_ key: CodingKeys) throws -> Int? {
            guard let text = value(key) else { return nil }
            guard let number = Int(text) else { throw ConfigurationError("\(key.environmentName) must be a number, got '\(text)'") }
            return number
        }
        listenHost = value(.listenHost) ?? listenHost
        listenPort = try integer(.listenPort) ?? listenPort
        tlsCertificateFile = value(.tlsCertificateFile) ?? tlsCertificateFile
        tlsKeyFile = value(.tlsKeyFile) ?? tlsKeyFile
        pkcs11Module = value(.pkcs11Module) ?? pkcs11Module
        tokenLabel = value(.tokenLabel) ?? tokenLabel
        pinFile = value(.pinFile) ?? pinFile
        databaseURL = value(.databaseURL) ?? databaseURL
        auditKeyFile = value(.auditKeyFile) ?? auditKeyFile
        publicURL = value(.publicURL) ?? publicURL
        jwksFile = value(.jwksFile) ?? jwksFile
        jwtIssuer = value(.jwtIssuer) ?? jwtIssuer
        jwtAudience = value(.jwtAudience) ?? jwtAudience
        roleClaim = value(.roleClaim) ?? roleClaim
        tokenSessions = try integer(.tokenSessions) ?? tokenSessions
        databaseConnections = try integer(.databaseConnections) ?? databaseConnections
        crlValidity = value(.crlValidity) ?? crlValidity
        crlFullInterval = value(.crlFullInterval) ?? crlFullInterval
        deltaCRLValidity = value(.deltaCRLValidity) ?? deltaCRLValidity
        crlFullDebounce = value(.crlFullDebounce) ?? crlFullDebounce
        crlFullMaxDelay = value(.crlFullMaxDelay) ?? crlFullMaxDelay
        ocspValidity = value(.ocspValidity) ?? ocspValidity
        ocspRefreshBefore = value(.ocspRefreshBefore) ?? ocspRefreshBefore
        ocspNonce = value(.ocspNonce) ?? ocspNonce
        ocspMaxCertIDs = try integer(.ocspMaxCertIDs) ?? ocspMaxCertIDs
        estDefaultDMS = value(.estDefaultDMS) ?? estDefaultDMS
        estWebhookCAFile = value(.estWebhookCAFile) ?? estWebhookCAFile
        systemCABundle = value(.systemCABundle) ?? systemCABundle
        estKeyEncryptionKeysFile = value(.estKeyEncryptionKeysFile) ?? estKeyEncryptionKeysFile
        auditCheckpointInterval = value(.auditCheckpointInterval) ?? auditCheckpointInterval
        auditUnsealedBound = value(.auditUnsealedBound) ?? auditUnsealedBound
        auditCheckpointFile = value(.auditCheckpointFile) ?? auditCheckpointFile
        if let text = value(.metricsAllow) {
            metricsAllow = text == "none" ? [] : text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        }
        metricsRefreshInterval = value(.metricsRefreshInterval) ?? metricsRefreshInterval
        logFormat = value(.logFormat) ?? logFormat
        consoleURL = value(.consoleURL) ?? consoleURL
        oidcIssuer = value(.oidcIssuer) ?? oidcIssuer
        oidcClientID = value(.oidcClientID) ?? oidcClientID
        oidcClientSecretFile = value(.oidcClientSecretFile) ?? oidcClientSecretFile
        oidcCAFile = value(.oidcCAFile) ?? oidcCAFile
        if let text = value(.auditCheckpointStdout) {
            guard let flag = Bool(text) else { throw ConfigurationError("\(CodingKeys.auditCheckpointStdout.environmentName) must be true or false, got '\(text)'") }
            auditCheckpointStdout = flag
        }
        if let text = value(.ocspPresign) {
            guard let flag = Bool(text) else { throw ConfigurationError("\(CodingKeys.ocspPresign.environmentName) must be true or false, got '\(text)'") }
            ocspPresign = flag
        }
    }

    /// The CRL and OCSP periods, checked for consistency.
    public func revocationSettings() throws -> RevocationSettings {
        func seconds(_ text: String, _ key: CodingKeys) throws -> TimeInterval {
            do { return try DurationText.seconds(text) } catch { throw ConfigurationError("\(key.rawValue): \(error)") }
        }
        var settings = RevocationSettings()
        settings.crlValidity = try seconds(crlValidity, .crlValidity)
        settings.fullCRLInterval = try seconds(crlFullInterval, .crlFullInterval)
        settings.deltaCRLValidity = try seconds(deltaCRLValidity, .deltaCRLValidity)
        settings.fullCRLDebounce = try seconds(crlFullDebounce, .crlFullDebounce)
        settings.fullCRLMaxDelay = try seconds(crlFullMaxDelay, .crlFullMaxDelay)
        settings.ocspValidity = try seconds(ocspValidity, .ocspValidity)
        settings.ocspRefreshBefore = try seconds(ocspRefreshBefore, .ocspRefreshBefore)
        settings.ocspMaxCertIDs = ocspMaxCertIDs
        settings.ocspAtIssuance = ocspPresign
        do {
            settings.ocspNonce = try OCSPNoncePolicy(setting: ocspNonce)
            try settings.validate()
        } catch { throw ConfigurationError("\(error)") }
        return settings
    }

    /// A required setting, or an error naming both places it can come from.
    func required(_ value: String?, _ key: CodingKeys) throws -> String {
        guard let value, !value.isEmpty else {
            throw ConfigurationError("\(key.rawValue) is not set (configuration file key '\(key.rawValue)' or \(key.environmentName))")
        }
        return value
    }
}

public struct ConfigurationError: Error, CustomStringConvertible, Sendable {
    public let description: String
    init(_ description: String) { self.description = description }
}
