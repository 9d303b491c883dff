import Foundation
import SwiftASN1

/// RFC 5280 4.1.2.4 and appendix A: the string types each attribute allows, their character
/// sets and upper bounds. Findings are `lint.name.*`.
enum NameLint {
    /// How an attribute's value must be encoded.
    enum Syntax {
        /// X.520 DirectoryString (PrintableString or UTF8String; the legacy choices warn).
        case directoryString(max: Int)
        case printableString(max: Int?)
        case ia5String(max: Int)
        /// countryName: PrintableString of two letters.
        case country
    }

    static let attributes: [ASN1ObjectIdentifier: (name: String, syntax: Syntax)] = [
        [2, 5, 4, 3]: ("commonName", .directoryString(max: 64)),
        [2, 5, 4, 4]: ("surname", .directoryString(max: 40)),
        [2, 5, 4, 5]: ("serialNumber", .printableString(max: 64)),
        [2, 5, 4, 6]: ("countryName", .country),
        [2, 5, 4, 7]: ("localityName", .directoryString(max: 128)),
        [2, 5, 4, 8]: ("stateOrProvinceName", .directoryString(max: 128)),
        [2, 5, 4, 9]: ("streetAddress", .directoryString(max: 128)),
        [2, 5, 4, 10]: ("organizationName", .directoryString(max: 64)),
        [2, 5, 4, 11]: ("organizationalUnitName", .directoryString(max: 64)),
        [2, 5, 4, 12]: ("title", .directoryString(max: 64)),
        [2, 5, 4, 17]: ("postalCode", .directoryString(max: 40)),
        [2, 5, 4, 41]: ("name", .directoryString(max: 32768)),
        [2, 5, 4, 42]: ("givenName", .directoryString(max: 16)),
        [2, 5, 4, 43]: ("initials", .directoryString(max: 5)),
        [2, 5, 4, 44]: ("generationQualifier", .directoryString(max: 3)),
        [2, 5, 4, 46]: ("dnQualifier", .printableString(max: nil)),
        [2, 5, 4, 65]: ("pseudonym", .directoryString(max: 128)),
        [2, 5, 4, 97]: ("organizationIdentifier", .directoryString(max: 128)),
        [1, 2, 840, 113549, 1, 9, 1]: ("emailAddress", .ia5String(max: 255)),
        [0, 9, 2342, 19200300, 100, 1, 25]: ("domainComponent", .ia5String(max: 63)),
        [0, 9, 2342, 19200300, 100, 1, 1]: ("userId", .directoryString(max: 256)),
    ]

    /// Lints a Name; returns whether it is empty (no RDNs).
    @discardableResult
    static func name(_ node: ASN1Node, what: @autoclosure () -> String, report: inout LintReport) throws -> Bool {
        let rdns = try node.sequenceChildren(what())
        for rdn in rdns {
            try rdn.expect(.set, "an RDN of the \(what())")
            let members = rdn.children
            if members.isEmpty { report.error("lint.name.empty_rdn", "the \(what()) has an empty RDN") }
            for attribute in members {
                let parts = try attribute.sequenceChildren("an attribute of the \(what())")
                guard parts.count == 2 else { throw LintStructureError("an attribute of the \(what()) has \(parts.count) parts, not type and value") }
                let type = try parts[0].objectIdentifier("an attribute type")
                guard let known = attributes[type] else { continue }
                value(parts[1], attribute: known.name, syntax: known.syntax, what: what(), report: &report)
            }
        }
        return rdns.isEmpty
    }

    /// The values of one attribute type in a Name, as encoded (for cross-checks with the SAN).
    static func values(of type: ASN1ObjectIdentifier, in node: ASN1Node) -> [ArraySlice<UInt8>] {
        node.children.flatMap(\.children).compactMap { attribute in
            let parts = attribute.children
            guard parts.count == 2, (try? parts[0].objectIdentifier("")) == type else { return nil }
            return parts[1].bytes
        }
    }

    static let emailAddress: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 9, 1]

    private static func value(_ node: ASN1Node, attribute: String, syntax: Syntax, what: @autoclosure () -> String, report: inout LintReport) {
        func label() -> String { "\(what()) \(attribute)" }
        let type = node.identifier
        switch syntax {
        case .country:
            guard type == .printableString else { return report.error("lint.name.string_type", "\(label()) must be a PrintableString") }
            if node.bytes.count != 2 || !node.bytes.allSatisfy({ (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) }) {
                report.error("lint.name.country_code", "\(label()) '\(String(decoding: node.bytes, as: UTF8.self))' is not a two-letter code")
            }
            return
        case .printableString:
            guard type == .printableString else { return report.error("lint.name.string_type", "\(label()) must be a PrintableString") }
        case .ia5String:
            guard type == .ia5String else { return report.error("lint.name.string_type", "\(label()) must be an IA5String") }
        case .directoryString:
            if [ASN1Identifier.teletexString, .universalString, .bmpString].contains(type) {
                report.warning("lint.name.legacy_string_type", "\(label()) is a \(type == .bmpString ? "BMPString" : type == .teletexString ? "TeletexString" : "UniversalString"); RFC 5280 asks for PrintableString or UTF8String")
            } else if type != .printableString && type != .utf8String {
                return report.error("lint.name.string_type", "\(label()) must be a DirectoryString (PrintableString or UTF8String)")
            }
        }
        guard let characters = StringLint.characters(node, label: label(), report: &report) else { return }
        if characters == 0 { report.error("lint.name.empty_value", "\(label()) is empty") }
        let max: Int? = switch syntax {
        case .directoryString(let max), .ia5String(let max): max
        case .printableString(let max): max
        case .country: nil
        }
        if let max, characters > max {
            report.error("lint.name.too_long", "\(label()) has \(characters) characters; RFC 5280 allows at most \(max)")
        }
    }
}

/// Character-set checks shared by names and general names.
enum StringLint {
    /// PrintableString's alphabet (X.680 41.4).
    static func isPrintable(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
        case UInt8(ascii: " "), UInt8(ascii: "'"), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "+"), UInt8(ascii: ","),
             UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "/"), UInt8(ascii: ":"), UInt8(ascii: "="), UInt8(ascii: "?"): true
        default: false
        }
    }

    /// Checks the string's encoding and returns its length in characters (nil when undecodable).
    static func characters(_ node: ASN1Node, label: @autoclosure () -> String, report: inout LintReport) -> Int? {
        let bytes = node.bytes
        let count: Int
        switch node.identifier {
        case .printableString:
            if let bad = bytes.first(where: { !isPrintable($0) }) {
                report.error("lint.name.printable_charset", "\(label()) has \(describe(bad)), which PrintableString does not allow")
            }
            count = bytes.count
        case .ia5String:
            if let bad = bytes.first(where: { $0 >= 0x80 }) { report.error("lint.name.ia5_charset", "\(label()) has \(describe(bad)), outside IA5") }
            count = bytes.count
        case .utf8String:
            if bytes.allSatisfy({ $0 < 0x80 }) {
                count = bytes.count
            } else {
                guard let text = String(validating: bytes, as: UTF8.self) else {
                    report.error("lint.name.utf8_invalid", "\(label()) is not valid UTF-8")
                    return nil
                }
                count = text.unicodeScalars.count
            }
        case .bmpString:
            guard bytes.count % 2 == 0 else { report.error("lint.name.bmp_invalid", "\(label()) has an odd number of octets"); return nil }
            count = bytes.count / 2
        case .universalString:
            guard bytes.count % 4 == 0 else { report.error("lint.name.universal_invalid", "\(label()) is not a whole number of characters"); return nil }
            count = bytes.count / 4
        default:
            count = bytes.count
        }
        if bytes.contains(0) && (node.identifier == .utf8String || node.identifier == .ia5String || node.identifier == .printableString) {
            report.error("lint.name.nul", "\(label()) contains a NUL character")
        }
        return count
    }

    static func describe(_ byte: UInt8) -> String {
        (0x21...0x7E).contains(byte) ? "'\(Character(Unicode.Scalar(byte)))'" : String(format: "byte 0x%02x", byte)
    }
}
