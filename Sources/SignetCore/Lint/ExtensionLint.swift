import SwiftASN1

/// One Extension, read for the lint rules.
struct LintExtension {
    let oid: ASN1ObjectIdentifier
    let critical: Bool
    /// The DER inside extnValue.
    let value: ArraySlice<UInt8>

    /// The parsed extnValue; a structural error when it is not one DER value.
    func parsedValue() throws -> ASN1Node {
        do { return try DER.parse(value) } catch { throw LintStructureError("the extnValue of \(oid) is not one DER value") }
    }
}

/// The rules every Extensions list obeys (certificates, CRLs, CRL entries, OCSP): not empty,
/// each OID once (RFC 5280 4.2), `critical` omitted when FALSE (DER: DEFAULT values are not
/// encoded), extnValue an OCTET STRING.
enum ExtensionLint {
    static func list(_ node: ASN1Node, prefix: String, what: String, report: inout LintReport) throws -> [LintExtension] {
        let items = try node.sequenceChildren("the \(what) extensions")
        if items.isEmpty { report.error("\(prefix).empty_list", "the \(what) has an empty extensions list; omit it instead") }
        var extensions: [LintExtension] = []
        extensions.reserveCapacity(items.count)
        for item in items {
            let parts = try item.sequenceChildren("an extension of the \(what)")
            guard parts.count == 2 || parts.count == 3 else { throw LintStructureError("an extension of the \(what) has \(parts.count) fields") }
            let oid = try parts[0].objectIdentifier("an extension id")
            var critical = false
            if parts.count == 3 {
                guard parts[1].identifier == .boolean, parts[1].bytes.count == 1 else { throw LintStructureError("the critical flag of \(oid) is not a BOOLEAN") }
                critical = parts[1].bytes.first! != 0
                if !critical { report.error("\(prefix).critical_default", "extension \(oid) encodes critical FALSE; DER omits a DEFAULT value") }
            }
            let value = parts[parts.count - 1]
            try value.expect(.octetString, "the extnValue of \(oid)")
            if extensions.contains(where: { $0.oid == oid }) {
                report.error("\(prefix).duplicate", "extension \(oid) appears more than once in the \(what)")
            }
            extensions.append(LintExtension(oid: oid, critical: critical, value: value.bytes))
        }
        return extensions
    }
}
