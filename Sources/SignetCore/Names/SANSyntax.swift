import X509

/// Gate-wide rules for a requested subjectAltName, whatever the profile: the four name types
/// Signet signs, each syntactically valid, at most ``NamePolicy/gateMaximumNames`` entries and
/// ``maximumTotalOctets`` octets of names.
enum SANSyntax {
    static let maximumTotalOctets = 16 * 1024

    enum Violation: Error {
        case malformed(String)
        case policy(String)
    }

    static func check(_ names: SubjectAlternativeNames) throws(Violation) {
        guard !names.isEmpty else { throw .malformed("the subjectAltName is empty") }
        guard names.count <= NamePolicy.gateMaximumNames else {
            throw .policy("the subjectAltName has \(names.count) names; at most \(NamePolicy.gateMaximumNames) are signed")
        }
        var total = 0
        var seen: Set<GeneralName> = []
        for name in names {
            guard seen.insert(name).inserted else { throw .malformed("the subjectAltName lists \(describe(name)) twice") }
            switch name {
            case .dnsName(let host):
                total += host.utf8.count
                // RFC 5280 defines no wildcard, and the lint refuses one: say so here, first.
                if host.hasPrefix("*.") { throw .policy("DNS name '\(printable(host))' is a wildcard; Signet signs host names only") }
                guard NameSyntax.isDNSName(host) else { throw .malformed("DNS name '\(printable(host))' is not a valid host name") }
            case .ipAddress(let octets):
                total += octets.bytes.count
                guard octets.bytes.count == 4 || octets.bytes.count == 16 else {
                    throw .malformed("an IP address has \(octets.bytes.count) octets; IPv4 has 4, IPv6 16")
                }
            case .uniformResourceIdentifier(let uri):
                total += uri.utf8.count
                guard NameSyntax.isURI(uri) else { throw .malformed("URI '\(printable(uri))' is not an absolute URI") }
            case .rfc822Name(let address):
                total += address.utf8.count
                guard NameSyntax.isEmailAddress(address) else { throw .malformed("e-mail address '\(printable(address))' is not local@domain") }
            default:
                throw .policy("subjectAltName entries of this type (\(describe(name))) are not signed; use DNS, IP, URI or e-mail names")
            }
        }
        guard total <= maximumTotalOctets else {
            throw .policy("the subjectAltName holds \(total) octets of names; at most \(maximumTotalOctets) are signed")
        }
    }

    static func describe(_ name: GeneralName) -> String {
        switch name {
        case .dnsName(let host): "DNS:\(printable(host))"
        case .ipAddress(let octets): "IP:\(IPText.format(Array(octets.bytes)))"
        case .uniformResourceIdentifier(let uri): "URI:\(printable(uri))"
        case .rfc822Name(let address): "email:\(printable(address))"
        case .otherName: "otherName"
        case .directoryName: "directoryName"
        case .x400Address: "x400Address"
        case .ediPartyName: "ediPartyName"
        case .registeredID: "registeredID"
        }
    }

    /// At most 80 printable ASCII characters of a name, for messages.
    static func printable(_ text: String) -> String {
        let cleaned = String(text.unicodeScalars.prefix(80).map { $0.isASCII && $0.value >= 0x20 && $0.value < 0x7F ? Character($0) : "?" })
        return text.unicodeScalars.count > 80 ? cleaned + "…" : cleaned
    }
}

/// IP addresses as text, for messages and pattern checks.
enum IPText {
    static func format(_ octets: [UInt8]) -> String {
        if octets.count == 4 { return octets.map(String.init).joined(separator: ".") }
        guard octets.count == 16 else { return octets.map { String($0, radix: 16) }.joined(separator: ":") }
        return stride(from: 0, to: 16, by: 2).map { String(UInt16(octets[$0]) << 8 | UInt16(octets[$0 + 1]), radix: 16) }.joined(separator: ":")
    }
}
