import Foundation

/// Which subjectAltNames a profile lets a request carry. Without a policy a profile that
/// honours extensions still gets the gate's bounds (``NamePolicy/gateMaximumNames`` names,
/// each syntactically valid for its type) and every one of the four types.
///
/// Patterns are literal text with three kinds of holes:
/// - `{device_id}`: the enrolling device's id (known on device enrollment only; a pattern
///   naming it never matches a REST sign request),
/// - `{cn}`: the common name of the certificate being issued,
/// - `*`: one DNS label (`[A-Za-z0-9-]+`) in `dns` patterns; a run of `[A-Za-z0-9._~-]`
///   (no `/`, `@` or `:`) in `uri` and `email` patterns.
///
/// `{"allowed_san_types": ["dns"], "dns": ["{device_id}.devices.example.com"], "max_names": 2}`
/// lets device `sensor-7` have `sensor-7.devices.example.com` and nothing else, so one device
/// cannot obtain a certificate naming another's host. `ip` entries are CIDR ranges.
public struct NamePolicy: Codable, Sendable, Hashable {
    /// The most subjectAltName entries any certificate gets, whatever a profile says.
    public static let gateMaximumNames = 100

    public enum SANType: String, Codable, Sendable, Hashable, CaseIterable {
        case dns, ip, uri, email
    }

    public var allowedSANTypes: [SANType]
    public var dns: [String]
    public var uri: [String]
    public var email: [String]
    public var ip: [String]
    public var maxNames: Int

    public init(allowedSANTypes: [SANType] = SANType.allCases, dns: [String] = [], uri: [String] = [], email: [String] = [], ip: [String] = [], maxNames: Int = NamePolicy.gateMaximumNames) {
        self.allowedSANTypes = allowedSANTypes
        self.dns = dns
        self.uri = uri
        self.email = email
        self.ip = ip
        self.maxNames = maxNames
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case allowedSANTypes = "allowed_san_types"
        case dns, uri, email, ip
        case maxNames = "max_names"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        allowedSANTypes = try c.decodeIfPresent([SANType].self, forKey: .allowedSANTypes) ?? SANType.allCases
        dns = try c.decodeIfPresent([String].self, forKey: .dns) ?? []
        uri = try c.decodeIfPresent([String].self, forKey: .uri) ?? []
        email = try c.decodeIfPresent([String].self, forKey: .email) ?? []
        ip = try c.decodeIfPresent([String].self, forKey: .ip) ?? []
        maxNames = try c.decodeIfPresent(Int.self, forKey: .maxNames) ?? Self.gateMaximumNames
    }

    /// The patterns of one type; empty means any valid name of that type.
    func patterns(_ type: SANType) -> [String] {
        switch type {
        case .dns: dns
        case .uri: uri
        case .email: email
        case .ip: ip
        }
    }

    func validate() throws {
        func invalid(_ field: String, _ reason: String) -> ProfileError { .invalid(field: "name_policy.\(field)", reason: reason) }
        guard !allowedSANTypes.isEmpty else { throw invalid("allowed_san_types", "is empty; leave honor_extensions false to issue no subjectAltName") }
        guard (1...Self.gateMaximumNames).contains(maxNames) else { throw invalid("max_names", "must be 1...\(Self.gateMaximumNames)") }
        for type in SANType.allCases where !patterns(type).isEmpty {
            guard allowedSANTypes.contains(type) else {
                throw invalid(type.rawValue, "has patterns but '\(type.rawValue)' is not in allowed_san_types, so they could never apply")
            }
            for (index, pattern) in patterns(type).enumerated() {
                if let problem = NamePattern.problem(pattern, type: type) { throw invalid("\(type.rawValue)[\(index)]", problem) }
            }
        }
    }
}

/// nameConstraints a CA profile writes into the CA certificates it issues (RFC 5280 4.2.1.10).
/// DNS and URI entries are domains (`example.com` covers its subdomains), e-mail entries are
/// a mailbox, a host or a `.domain`, IP entries CIDR ranges.
public struct NameConstraintsTemplate: Codable, Sendable, Hashable {
    public var permittedDNS: [String]
    public var excludedDNS: [String]
    public var permittedIP: [String]
    public var excludedIP: [String]
    public var permittedEmail: [String]
    public var excludedEmail: [String]
    public var permittedURI: [String]
    public var excludedURI: [String]

    public init(permittedDNS: [String] = [], excludedDNS: [String] = [], permittedIP: [String] = [], excludedIP: [String] = [], permittedEmail: [String] = [], excludedEmail: [String] = [], permittedURI: [String] = [], excludedURI: [String] = []) {
        self.permittedDNS = permittedDNS
        self.excludedDNS = excludedDNS
        self.permittedIP = permittedIP
        self.excludedIP = excludedIP
        self.permittedEmail = permittedEmail
        self.excludedEmail = excludedEmail
        self.permittedURI = permittedURI
        self.excludedURI = excludedURI
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case permittedDNS = "permitted_dns", excludedDNS = "excluded_dns"
        case permittedIP = "permitted_ip", excludedIP = "excluded_ip"
        case permittedEmail = "permitted_email", excludedEmail = "excluded_email"
        case permittedURI = "permitted_uri", excludedURI = "excluded_uri"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        permittedDNS = try c.decodeIfPresent([String].self, forKey: .permittedDNS) ?? []
        excludedDNS = try c.decodeIfPresent([String].self, forKey: .excludedDNS) ?? []
        permittedIP = try c.decodeIfPresent([String].self, forKey: .permittedIP) ?? []
        excludedIP = try c.decodeIfPresent([String].self, forKey: .excludedIP) ?? []
        permittedEmail = try c.decodeIfPresent([String].self, forKey: .permittedEmail) ?? []
        excludedEmail = try c.decodeIfPresent([String].self, forKey: .excludedEmail) ?? []
        permittedURI = try c.decodeIfPresent([String].self, forKey: .permittedURI) ?? []
        excludedURI = try c.decodeIfPresent([String].self, forKey: .excludedURI) ?? []
    }

    var isEmpty: Bool { self == NameConstraintsTemplate() }

    func validate() throws {
        func invalid(_ field: CodingKeys, _ index: Int, _ reason: String) -> ProfileError {
            .invalid(field: "name_constraints.\(field.rawValue)[\(index)]", reason: reason)
        }
        guard !isEmpty else { throw ProfileError.invalid(field: "name_constraints", reason: "names no subtree; leave it out instead") }
        for (field, list) in [(CodingKeys.permittedDNS, permittedDNS), (.excludedDNS, excludedDNS), (.permittedURI, permittedURI), (.excludedURI, excludedURI)] {
            for (index, domain) in list.enumerated() where !NameSyntax.isDNSName(domain.hasPrefix(".") ? String(domain.dropFirst()) : domain) {
                throw invalid(field, index, "'\(domain)' is not a DNS domain")
            }
        }
        for (field, list) in [(CodingKeys.permittedEmail, permittedEmail), (.excludedEmail, excludedEmail)] {
            for (index, entry) in list.enumerated() {
                let host = entry.split(separator: "@", omittingEmptySubsequences: false).last.map(String.init) ?? entry
                guard NameSyntax.isDNSName(host.hasPrefix(".") ? String(host.dropFirst()) : host), entry.allSatisfy(\.isASCII) else {
                    throw invalid(field, index, "'\(entry)' is not a mailbox, host or .domain")
                }
            }
        }
        for (field, list) in [(CodingKeys.permittedIP, permittedIP), (.excludedIP, excludedIP)] {
            for (index, range) in list.enumerated() where IPRange(cidr: range) == nil {
                throw invalid(field, index, "'\(range)' is not a CIDR range such as 10.0.0.0/8 or fd00::/8")
            }
        }
    }
}
