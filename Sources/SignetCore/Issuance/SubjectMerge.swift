import SwiftASN1
import X509

/// Builds a certificate subject from a profile's template and the requested subject.
/// See ``IssuancePolicy`` for the rules.
enum SubjectMerge {
    /// The attributes profiles know, in the order they appear in issued subjects, with the
    /// RFC 5280 upper bound of each.
    private static var ordered: [(ASN1ObjectIdentifier, KeyPath<IssuanceProfile.SubjectTemplate, String>, Int)] { [
        (.RDNAttributeType.countryName, \.country, 2),
        (.RDNAttributeType.stateOrProvinceName, \.state, 128),
        (.RDNAttributeType.localityName, \.locality, 128),
        (.RDNAttributeType.organizationName, \.organization, 64),
        (.RDNAttributeType.organizationalUnitName, \.organizationUnit, 64),
        (.RDNAttributeType.commonName, \.commonName, 64),
    ] }

    /// The subject for one request. Template values have their holes filled from `values`;
    /// the error names a hole the request cannot fill or a value that grew past its bound.
    static func merge(
        template: IssuanceProfile.SubjectTemplate, requested: DistinguishedName, honorRequested: Bool, values: SubjectTemplateText.Values
    ) throws(SubjectTemplateError) -> DistinguishedName {
        let requestedAttributes = requested.flatMap { $0 }
        let known = Set(ordered.map(\.0))
        var rdns: [RelativeDistinguishedName] = []
        for (type, field, bound) in ordered {
            if type == .RDNAttributeType.commonName && honorRequested {
                // Requested attributes profiles do not know (serialNumber, …) go just before the CN.
                rdns += requestedAttributes.filter { !known.contains($0.type) }.map { RelativeDistinguishedName($0) }
            }
            let fromProfile = template[keyPath: field]
            if !fromProfile.isEmpty {
                let text = try SubjectTemplateText(fromProfile).filled(values)
                guard text.unicodeScalars.count <= bound else {
                    throw .unfilled("the subject template's '\(fromProfile)' gives \(text.unicodeScalars.count) characters; RFC 5280 allows at most \(bound)")
                }
                rdns.append(RelativeDistinguishedName(attribute(type, text)))
            } else if honorRequested, let value = requestedAttributes.first(where: { $0.type == type }) {
                rdns.append(RelativeDistinguishedName(value))
            }
        }
        return DistinguishedName(rdns)
    }

    /// Country codes are PrintableString (RFC 5280 appendix A); everything else UTF8String.
    private static func attribute(_ type: ASN1ObjectIdentifier, _ value: String) -> RelativeDistinguishedName.Attribute {
        if type == .RDNAttributeType.countryName, let printable = try? RelativeDistinguishedName.Attribute(type: type, printableString: value) {
            return printable
        }
        return RelativeDistinguishedName.Attribute(type: type, utf8String: value)
    }

    /// A template's fields taken as literal text (a CA's own name), in C, ST, L, O, OU, CN order.
    static func literal(_ template: IssuanceProfile.SubjectTemplate) -> DistinguishedName {
        DistinguishedName(ordered.compactMap { type, field, _ in
            let value = template[keyPath: field]
            return value.isEmpty ? nil : RelativeDistinguishedName(attribute(type, value))
        })
    }
}

extension IssuanceProfile.SubjectTemplate {
    /// The template's non-empty fields as a name, taken literally, in C, ST, L, O, OU, CN order.
    public var distinguishedName: DistinguishedName { SubjectMerge.literal(self) }

    /// Every non-empty value with the field it belongs to.
    var fields: [(name: String, value: String)] {
        [("common_name", commonName), ("organization", organization), ("organization_unit", organizationUnit), ("country", country), ("state", state), ("locality", locality)]
            .filter { !$0.1.isEmpty }
    }
}
