import SwiftASN1

/// RFC 5280 4.2.1.6 GeneralName checks: dNSName in preferred name syntax, iPAddress of 4 or 16 octets, URI with a scheme, rfc822Name with an `@`,
/// all IA5. `name` is the lint name the findings carry.
enum GeneralNameLint {
    static func names(_ node: ASN1Node, name: String, what: String, allowEmpty: Bool = false, report: inout LintReport) throws {
        let entries = try node.sequenceChildren(what)
        if entries.isEmpty && !allowEmpty { report.error("\(name)_empty", "the \(what) has no names") }
        for entry in entries { generalName(entry, name: name, what: what, report: &report) }
    }

    static func generalName(_ entry: ASN1Node, name: String, what: String, report: inout LintReport) {
        guard entry.identifier.tagClass == .contextSpecific else { return report.error("\(name)_malformed", "an entry of the \(what) is not a GeneralName") }
        let bytes = entry.bytes
        let text = String(decoding: bytes, as: UTF8.self)
        switch entry.identifier.tagNumber {
        case 1, 2, 6:
            if entry.isConstructed { return report.error("\(name)_malformed", "an IA5 name of the \(what) is constructed") }
            if bytes.contains(where: { $0 >= 0x80 || $0 == 0 }) { return report.error("\(name)_ia5", "'\(text)' in the \(what) is not IA5 text") }
            if bytes.isEmpty { return report.error("\(name)_blank", "the \(what) has an empty name") }
            switch entry.identifier.tagNumber {
            case 1:
                let parts = text.split(separator: "@", omittingEmptySubsequences: false)
                if parts.count != 2 || parts[0].isEmpty || parts[1].isEmpty { report.error("\(name)_rfc822", "'\(text)' in the \(what) is not a mailbox (local@domain)") }
            case 2:
                if !NameSyntax.isDNSName(text) {
                    report.error("\(name)_dns", "'\(text)' in the \(what) is not a DNS name in preferred name syntax")
                } else if !text.contains(".") {
                    report.warning("\(name)_dns_single_label", "'\(text)' in the \(what) is a single label, not a fully qualified name")
                }
            default:
                if !hasScheme(text) { report.error("\(name)_uri", "'\(text)' in the \(what) is not a URI with a scheme") }
            }
        case 7:
            if bytes.count != 4 && bytes.count != 16 { report.error("\(name)_ip", "an iPAddress of the \(what) has \(bytes.count) octets, not 4 or 16") }
        case 0, 3, 4, 5, 8:
            break
        default:
            report.error("\(name)_malformed", "an entry of the \(what) has GeneralName tag [\(entry.identifier.tagNumber)]")
        }
    }

    /// RFC 3986 3.1: `scheme ":"`, the scheme a letter then letters, digits, `+ - .`.
    static func hasScheme(_ text: String) -> Bool {
        guard let colon = text.firstIndex(of: ":"), colon != text.startIndex, text.index(after: colon) != text.endIndex else { return false }
        let scheme = text[..<colon].utf8
        guard let first = scheme.first, (0x41...0x5A).contains(first) || (0x61...0x7A).contains(first) else { return false }
        return scheme.allSatisfy { NameSyntax.isAlphanumeric($0) || $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".") }
    }
}
