import Foundation

/// Syntax of the names a certificate may carry in its subjectAltName, checked before any
/// policy looks at them: a name that is not well-formed for its type is never signed.
enum NameSyntax {
    /// RFC 1034 preferred name syntax as RFC 5280 4.2.1.6 requires it: labels of letters,
    /// digits and inner hyphens, 1-63 octets each, 253 in all, no trailing dot; the top-level
    /// label of a dotted name is at least two octets and ends in a letter (RFC 1123 2.1: a
    /// host name never looks like a dotted address). A leading `*.` wildcard label is allowed
    /// where asked for (RFC 6125). The CSR rules and the lint of every TBS both use this one.
    static func isDNSName(_ name: String, allowWildcard: Bool = false) -> Bool {
        let bytes = Array(name.utf8)
        guard !bytes.isEmpty, bytes.count <= 253 else { return false }
        var labels = bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        if labels.count > 1, let top = labels.last, top.count < 2 || !isLetter(top.last!) { return false }
        if allowWildcard, labels.count > 2, labels[0].elementsEqual([UInt8(ascii: "*")]) { labels.removeFirst() }
        return labels.allSatisfy(isLabel)
    }

    static func isLetter(_ byte: UInt8) -> Bool { (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) }

    private static func isLabel(_ label: ArraySlice<UInt8>) -> Bool {
        guard (1...63).contains(label.count), label.first != UInt8(ascii: "-"), label.last != UInt8(ascii: "-") else { return false }
        return label.allSatisfy { isAlphanumeric($0) || $0 == UInt8(ascii: "-") }
    }

    static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
    }

    /// `local@domain` (RFC 5280 4.2.1.6, RFC 5321 mailbox): a printable-ASCII local part of
    /// at most 64 octets without spaces, quotes or a second `@`, and a DNS domain.
    static func isEmailAddress(_ address: String) -> Bool {
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, address.utf8.count <= 255 else { return false }
        let local = parts[0].utf8
        guard (1...64).contains(local.count), local.allSatisfy({ (0x21...0x7E).contains($0) && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }) else {
            return false
        }
        return isDNSName(String(parts[1]))
    }

    /// An absolute URI (RFC 3986) in printable ASCII: a scheme, `:`, and a non-empty rest
    /// without spaces; where it has an authority (`scheme://host…`), the host must be a DNS
    /// name or an IP literal. At most 2,048 octets.
    static func isURI(_ uri: String) -> Bool {
        let bytes = Array(uri.utf8)
        guard bytes.count <= 2048, bytes.allSatisfy({ (0x21...0x7E).contains($0) }),
              let colon = bytes.firstIndex(of: UInt8(ascii: ":")), colon > 0 else { return false }
        let scheme = bytes[..<colon]
        guard let first = scheme.first, (0x41...0x5A).contains(first) || (0x61...0x7A).contains(first),
              scheme.allSatisfy({ isAlphanumeric($0) || $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".") })
        else { return false }
        let rest = bytes[(colon + 1)...]
        guard !rest.isEmpty else { return false }
        guard rest.starts(with: Array("//".utf8)) else { return true }
        return uriHost(uri).map { host in isDNSName(host) || IPRange.address(host) != nil || host.hasPrefix("[") } ?? false
    }

    /// The host of `scheme://[userinfo@]host[:port]/…`, or nil without an authority.
    static func uriHost(_ uri: String) -> String? {
        guard let range = uri.range(of: "://") else { return nil }
        var authority = uri[range.upperBound...].prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
        if authority.hasPrefix("[") { return authority.firstIndex(of: "]").map { String(authority[...$0]) } }
        if let colon = authority.firstIndex(of: ":") { authority = authority[..<colon] }
        return authority.isEmpty ? nil : String(authority)
    }
}
