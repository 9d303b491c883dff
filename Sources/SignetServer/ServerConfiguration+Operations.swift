import Foundation
import SignetCore

/// The settings of metrics, logs and console sign-in, checked when the server starts: one
/// that could not act is refused then, with the key it came from.
extension ServerConfiguration {
    /// The networks `metrics_allow` names; an entry that is no address or network is refused.
    public func metricsAllowedNetworks() throws -> [IPRange] {
        try metricsAllow.map { entry in
            let cidr = entry.contains("/") ? entry : IPRange.address(entry).map { "\(entry)/\($0.count * 8)" } ?? entry
            guard let range = IPRange(cidr: cidr) else {
                throw ConfigurationError("metrics_allow: '\(entry)' is not an IP address or a network such as 10.0.0.0/8 (host bits must be zero)")
            }
            return range
        }
    }

    /// `metrics_refresh_interval`, at least a second.
    public func metricsRefresh() throws -> Duration {
        let seconds: TimeInterval
        do { seconds = try DurationText.seconds(metricsRefreshInterval) } catch { throw ConfigurationError("metrics_refresh_interval: \(error)") }
        guard seconds >= 1 else { throw ConfigurationError("metrics_refresh_interval must be at least 1s, got '\(metricsRefreshInterval)'") }
        return .milliseconds(Int64(seconds * 1000))
    }

    /// The OpenID Connect settings, checked; nil when no provider is configured.
    public func oidcSettings() throws -> OIDCSettings? {
        guard let issuer = oidcIssuer else {
            if oidcClientID != nil || oidcClientSecretFile != nil { throw ConfigurationError("oidc_client_id and oidc_client_secret_file need oidc_issuer") }
            return nil
        }
        guard issuer.hasPrefix("https://"), URL(string: issuer)?.host != nil else { throw ConfigurationError("oidc_issuer must be an https URL, got '\(issuer)'") }
        let clientID = try required(oidcClientID, .oidcClientID)
        let console = try required(consoleURL, .consoleURL)
        guard console.hasPrefix("https://"), URL(string: console)?.host != nil else { throw ConfigurationError("console_url must be an https URL, got '\(console)'") }
        var secret: String?
        if let file = oidcClientSecretFile {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { throw ConfigurationError("cannot read oidc_client_secret_file \(file)") }
            secret = text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let base = console.hasSuffix("/") ? String(console.dropLast()) : console
        return OIDCSettings(issuer: issuer, clientID: clientID, clientSecret: secret, redirectURL: base + "/console/oidc/callback",
                            roleClaimPath: roleClaim.split(separator: ".").map(String.init))
    }

    /// `log_format`, checked.
    public func logOutput() throws -> LogFormat {
        guard let format = LogFormat(rawValue: logFormat) else {
            throw ConfigurationError("log_format must be 'text' or 'json', got '\(logFormat)'")
        }
        return format
    }
}
