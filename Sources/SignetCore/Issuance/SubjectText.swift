import Foundation
import SwiftASN1
import X509

/// Distinguished names written as RFC 4514 text, `CN=Signet Root,O=Example,C=DE`: the most
/// significant attribute last, so the certificate encodes them in reverse text order.
public enum SubjectText {
    public struct ParseError: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    private static let types: [String: ASN1ObjectIdentifier] = [
        "CN": .RDNAttributeType.commonName,
        "O": .RDNAttributeType.organizationName,
        "OU": .RDNAttributeType.organizationalUnitName,
        "C": .RDNAttributeType.countryName,
        "ST": .RDNAttributeType.stateOrProvinceName,
        "L": .RDNAttributeType.localityName,
        "SERIALNUMBER": [2, 5, 4, 5],
    ]

    public static func parse(_ text: String) throws -> DistinguishedName {
        var rdns: [RelativeDistinguishedName] = []
        for part in splitUnescaped(text) {
            let pair = part.split(separator: "=", maxSplits: 1)
            guard pair.count == 2 else { throw ParseError(description: "'\(part)' is not TYPE=value") }
            let key = pair[0].trimmingCharacters(in: .whitespaces).uppercased()
            let value = pair[1].trimmingCharacters(in: .whitespaces)
            guard let type = types[key] else {
                throw ParseError(description: "unknown attribute '\(key)'; use CN, O, OU, C, ST, L or SERIALNUMBER")
            }
            guard !value.isEmpty else { throw ParseError(description: "attribute \(key) is empty") }
            if key == "C" {
                guard value.count == 2 else { throw ParseError(description: "C must be a two-letter country code") }
                rdns.append(RelativeDistinguishedName(try RelativeDistinguishedName.Attribute(type: type, printableString: value)))
            } else {
                rdns.append(RelativeDistinguishedName(RelativeDistinguishedName.Attribute(type: type, utf8String: value)))
            }
        }
        guard !rdns.isEmpty else { throw ParseError(description: "the subject is empty") }
        return DistinguishedName(rdns.reversed())
    }

    /// Splits at commas not preceded by a backslash, and unescapes `\,`.
    private static func splitUnescaped(_ text: String) -> [String] {
        var parts: [String] = []
        var current = ""
        var escaped = false
        for character in text {
            if escaped { current.append(character); escaped = false; continue }
            if character == "\\" { escaped = true; continue }
            if character == "," { parts.append(current); current = ""; continue }
            current.append(character)
        }
        parts.append(current)
        return parts.filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
    }
}
