import SwiftASN1

/// What the gate accepts in a request's subject: the attribute types it knows, each in the
/// string types RFC 5280 allows for it, with the characters those types may hold and at most
/// RFC 5280's upper bound (appendix A) in length; single-valued RDNs; at most
/// ``maximumAttributes`` attributes and ``maximumDERSize`` octets in all.
enum SubjectAttributeRules {
    static let maximumAttributes = 16
    static let maximumDERSize = 2048

    enum StringType: UInt, CustomStringConvertible {
        case utf8 = 12, printable = 19, ia5 = 22
        var description: String {
            switch self {
            case .utf8: "UTF8String"
            case .printable: "PrintableString"
            case .ia5: "IA5String"
            }
        }
    }

    struct Rule {
        let name: String
        let maximumLength: Int
        let types: Set<StringType>
    }

    private static let directoryString: Set<StringType> = [.utf8, .printable]

    /// The types the lint knows (one table for both, so a request the CSR rules accept is
    /// never refused later by the lint for its subject's bounds or string types).
    static let known: [ASN1ObjectIdentifier: Rule] = NameLint.attributes.mapValues { entry in
        switch entry.syntax {
        case .directoryString(let max): Rule(name: entry.name, maximumLength: max, types: directoryString)
        case .printableString(let max): Rule(name: entry.name, maximumLength: max ?? 64, types: [.printable])
        case .ia5String(let max): Rule(name: entry.name, maximumLength: max, types: [.ia5])
        case .country: Rule(name: entry.name, maximumLength: 2, types: [.printable])
        }
    }

    enum Violation: Error {
        /// The bytes are not what their type says (not UTF-8, a character PrintableString lacks).
        case malformed(String)
        /// Well-formed, but more than the gate signs.
        case policy(String)
    }

    /// Checks every attribute. Unknown attribute types are refused when the subject is
    /// honoured (they would be copied); otherwise they are dropped by the merge anyway.
    static func check(_ attributes: [CSRStructure.SubjectAttribute], derSize: Int, honoured: Bool) throws(Violation) {
        guard attributes.count <= maximumAttributes else {
            throw .policy("the subject has \(attributes.count) attributes; at most \(maximumAttributes) are signed")
        }
        guard derSize <= maximumDERSize else { throw .policy("the subject is \(derSize) octets; at most \(maximumDERSize) are signed") }
        for attribute in attributes {
            guard let rule = known[attribute.type] else {
                if honoured { throw .policy("subject attribute \(attribute.type) is not one Signet signs") }
                continue
            }
            guard attribute.rdnSize == 1 else { throw .policy("\(rule.name) is part of a multi-valued RDN; each RDN must hold one attribute") }
            guard let type = StringType(rawValue: attribute.tag), rule.types.contains(type) else {
                let allowed = rule.types.map(\.description).sorted().joined(separator: " or ")
                throw .policy("\(rule.name) must be a \(allowed) (ASN.1 tag \(attribute.tag) given)")
            }
            let length = try characters(attribute.bytes, type: type, name: rule.name)
            guard length > 0 else { throw .policy("\(rule.name) is empty") }
            guard length <= rule.maximumLength else {
                throw .policy("\(rule.name) has \(length) characters; RFC 5280 allows at most \(rule.maximumLength)")
            }
            if rule.name == "countryName", !attribute.bytes.allSatisfy({ (0x41...0x5A).contains($0) }) {
                throw .policy("countryName must be two capital letters (ISO 3166)")
            }
        }
    }

    /// The value's length in characters, after checking its characters against its type.
    private static func characters(_ bytes: ArraySlice<UInt8>, type: StringType, name: String) throws(Violation) -> Int {
        switch type {
        case .printable:
            guard let bad = bytes.first(where: { !isPrintableStringCharacter($0) }) else { return bytes.count }
            throw .malformed("\(name) is a PrintableString holding 0x\(String(bad, radix: 16)), which PrintableString does not allow")
        case .ia5:
            guard let bad = bytes.first(where: { $0 < 0x20 || $0 > 0x7E }) else { return bytes.count }
            throw .malformed("\(name) is an IA5String holding the control or non-ASCII octet 0x\(String(bad, radix: 16))")
        case .utf8:
            guard let text = String(validating: bytes, as: UTF8.self) else { throw .malformed("\(name) is a UTF8String that is not valid UTF-8") }
            if let control = text.unicodeScalars.first(where: { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) }) {
                throw .malformed("\(name) holds the control character U+\(String(control.value, radix: 16, uppercase: true))")
            }
            return text.unicodeScalars.count
        }
    }

    /// X.680 PrintableString: letters, digits, space and `'()+,-./:=?`.
    static func isPrintableStringCharacter(_ byte: UInt8) -> Bool {
        NameSyntax.isAlphanumeric(byte) || Array(" '()+,-./:=?".utf8).contains(byte)
    }
}
