import SwiftASN1
import X509

/// Builds a certificate subject from a profile's template and the requested subject.
/// See ``IssuancePolicy`` for the rules.
enum SubjectMerge {
    /// The attributes profiles know, in the order they appear in issued subjects.
    private static var ordered: [(ASN1ObjectIdentifier, KeyPath<IssuanceProfile.SubjectTemplate, String>)] { [
        (.RDNAttributeType.countryName, \.country),
        (.RDNAttributeType.stateOrProvinceName, \.state),
        (.RDNAttributeType.localityName, \.locality),
        (.RDNAttributeType.organizationName, \.organization),
        (.RDNAttributeType.organizationalUnitName, \.organizationUnit),
        (.RDNAttributeType.commonName, \.commonName),
    ] }

    static func merge(template: IssuanceProfile.SubjectTemplate, requested: DistinguishedName, honorRequested: Bool) -> DistinguishedName {
        let requestedAttributes = requested.flatMap { $0 }
        let known = Set(ordered.map(\.0))
        var rdns: [RelativeDistinguishedName] = []
        for (type, field) in ordered {
            let isCommonName = type == .RDNAttributeType.commonName
            if isCommonName && honorRequested {
                // Requested attributes profiles do not know (serialNumber, …) go just before the CN.
                rdns += requestedAttributes.filter { !known.contains($0.type) }.map { RelativeDistinguishedName($0) }
            }
            let fromProfile = template[keyPath: field]
            if !fromProfile.isEmpty {
                rdns.append(RelativeDistinguishedName(attribute(type, fromProfile)))
            } else if honorRequested || isCommonName, let value = requestedAttributes.first(where: { $0.type == type }) {
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
}

extension IssuanceProfile.SubjectTemplate {
    /// The template's non-empty fields as a name, in C, ST, L, O, OU, CN order.
    public var distinguishedName: DistinguishedName {
        SubjectMerge.merge(template: self, requested: DistinguishedName(), honorRequested: false)
    }
}
