import SwiftASN1
import X509

/// The subjectAltName a certificate gets: the request's, when the profile honours
/// extensions, after the profile's ``NamePolicy`` and the issuing CA's nameConstraints.
enum NamePolicyCheck {
    static func names(profile: IssuanceProfile, request: RequestedCertificate, subject: DistinguishedName, issuer: IssuerContext?, log: inout RuleLog) throws -> SubjectAlternativeNames? {
        guard profile.honorExtensions, let names = request.subjectAlternativeNames else {
            log.pass("honor_extensions", profile.honorExtensions ? "the request has no subjectAltName" : "requested extensions ignored")
            return nil
        }
        let policy = profile.namePolicy ?? NamePolicy()
        guard names.count <= policy.maxNames else {
            throw log.fail("name_policy.max_names", "the request names \(names.count) subjectAltNames; profile '\(profile.id)' allows \(policy.maxNames)")
        }
        let values = NamePattern.Values(deviceID: request.deviceID, commonName: subject.commonName)
        for name in names {
            guard let (type, text) = typed(name) else { continue } // other types were refused by SANSyntax
            guard policy.allowedSANTypes.contains(type) else {
                throw log.fail("name_policy.allowed_san_types", "\(SANSyntax.describe(name)) is a \(type.rawValue) name; profile '\(profile.id)' allows \(policy.allowedSANTypes.map(\.rawValue))")
            }
            let patterns = policy.patterns(type)
            guard patterns.isEmpty || patterns.contains(where: { matches(name, text: text, pattern: $0, type: type, values: values) }) else {
                let unknownDevice = request.deviceID == nil && patterns.allSatisfy { $0.contains("{device_id}") }
                throw log.fail("name_policy.\(type.rawValue)", "\(SANSyntax.describe(name)) matches none of profile '\(profile.id)''s patterns \(patterns)" + (unknownDevice ? " ({device_id} is known on device enrollment only)" : ""))
            }
        }
        if let constraints = issuer?.nameConstraints {
            for name in names where !NameConstraintCheck.permits(constraints, name) {
                throw log.fail("issuer.name_constraints", "\(SANSyntax.describe(name)) is outside the issuing CA's nameConstraints")
            }
        }
        log.pass("honor_extensions", "subjectAltName copied from the request: \(names.count) names within the name policy")
        return names
    }

    private static func typed(_ name: GeneralName) -> (NamePolicy.SANType, String)? {
        switch name {
        case .dnsName(let host): (.dns, host)
        case .uniformResourceIdentifier(let uri): (.uri, uri)
        case .rfc822Name(let address): (.email, address)
        case .ipAddress(let octets): (.ip, IPText.format(Array(octets.bytes)))
        default: nil
        }
    }

    private static func matches(_ name: GeneralName, text: String, pattern: String, type: NamePolicy.SANType, values: NamePattern.Values) -> Bool {
        if case .ipAddress(let octets) = name { return IPRange(cidr: pattern)?.contains(Array(octets.bytes)) ?? false }
        return NamePattern.matches(text, pattern: pattern, type: type, values: values)
    }
}

/// RFC 5280 4.2.1.10 matching of one name against a CA's nameConstraints, for the four
/// name types Signet signs: a name must lie in a permitted subtree of its type (when the CA
/// lists any of that type) and in no excluded subtree.
enum NameConstraintCheck {
    static func permits(_ constraints: NameConstraints, _ name: GeneralName) -> Bool {
        let permitted = constraints.permittedSubtrees.filter { sameType($0, name) }
        if !permitted.isEmpty && !permitted.contains(where: { within(name, $0) }) { return false }
        return !constraints.excludedSubtrees.contains { sameType($0, name) && within(name, $0) }
    }

    private static func sameType(_ a: GeneralName, _ b: GeneralName) -> Bool {
        switch (a, b) {
        case (.dnsName, .dnsName), (.rfc822Name, .rfc822Name), (.uniformResourceIdentifier, .uniformResourceIdentifier), (.ipAddress, .ipAddress): true
        default: false
        }
    }

    private static func within(_ name: GeneralName, _ base: GeneralName) -> Bool {
        switch (name, base) {
        case (.dnsName(let host), .dnsName(let domain)):
            return inDomain(host, domain)
        case (.rfc822Name(let address), .rfc822Name(let constraint)):
            if constraint.contains("@") { return address.lowercased() == constraint.lowercased() }
            let host = address.split(separator: "@").last.map(String.init) ?? ""
            return constraint.hasPrefix(".") ? inDomain(host, constraint) && host.lowercased() != String(constraint.dropFirst()).lowercased() : host.lowercased() == constraint.lowercased()
        case (.uniformResourceIdentifier(let uri), .uniformResourceIdentifier(let domain)):
            guard let host = NameSyntax.uriHost(uri) else { return false }
            return domain.hasPrefix(".") ? inDomain(host, domain) && host.lowercased() != String(domain.dropFirst()).lowercased() : host.lowercased() == domain.lowercased()
        case (.ipAddress(let address), .ipAddress(let range)):
            return IPRange(constraintBytes: Array(range.bytes))?.contains(Array(address.bytes)) ?? false
        default:
            return false
        }
    }

    /// `host` is `domain` or below it (label-wise, case-insensitive); a leading dot on the
    /// domain is ignored.
    private static func inDomain(_ host: String, _ domain: String) -> Bool {
        let host = host.lowercased(), bare = (domain.hasPrefix(".") ? String(domain.dropFirst()) : domain).lowercased()
        guard !bare.isEmpty else { return true }
        return host == bare || host.hasSuffix("." + bare)
    }
}

extension NameConstraintsTemplate {
    var x509: NameConstraints {
        NameConstraints(
            permittedDNSDomains: permittedDNS, excludedDNSDomains: excludedDNS,
            permittedIPRanges: permittedIP.compactMap { IPRange(cidr: $0).map { ASN1OctetString(contentBytes: ArraySlice($0.constraintBytes)) } },
            excludedIPRanges: excludedIP.compactMap { IPRange(cidr: $0).map { ASN1OctetString(contentBytes: ArraySlice($0.constraintBytes)) } },
            permittedEmailAddresses: permittedEmail, excludedEmailAddresses: excludedEmail,
            permittedURIDomains: permittedURI, forbiddenURIDomains: excludedURI
        )
    }
}
