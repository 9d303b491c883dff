import SwiftASN1

/// RFC 5280 4.2 rules on a certificate's extensions, judged together with what the TBS says
/// of the key and the names. Findings are `lint.ext.*`.
enum CertificateExtensionLint {
    enum KeyType { case rsa, ec, other }

    struct Context {
        let keyType: KeyType
        let subjectEmpty: Bool
        /// Issuer and subject are the same name (a root, or a self-issued CA certificate).
        let selfIssued: Bool
        /// emailAddress values of the subject, which must be rfc822Names of the SAN too.
        var subjectEmails: [ArraySlice<UInt8>] = []
    }

    /// Extensions this lint knows; a critical extension outside the set is refused, since
    /// relying parties cannot be expected to process it. (The known ones that must not be
    /// critical have their own rules.)
    static let known: Set<ASN1ObjectIdentifier> = [
        LintOID.basicConstraints, LintOID.keyUsage, LintOID.extendedKeyUsage, LintOID.subjectAltName,
        LintOID.nameConstraints, LintOID.certificatePolicies, LintOID.policyConstraints, LintOID.policyMappings,
        LintOID.inhibitAnyPolicy, LintOID.issuerAltName, LintOID.subjectKeyIdentifier, LintOID.authorityKeyIdentifier,
        LintOID.authorityInfoAccess, LintOID.crlDistributionPoints, LintOID.freshestCRL, LintOID.ocspNoCheck,
    ]

    static func lint(_ extensions: [LintExtension], context: Context, report: inout LintReport) throws {
        func find(_ oid: ASN1ObjectIdentifier) -> LintExtension? { extensions.first { $0.oid == oid } }
        for unknown in extensions where unknown.critical && !known.contains(unknown.oid) {
            report.error("lint.ext.unknown_critical", "extension \(unknown.oid) is critical, but relying parties cannot be expected to process it")
        }

        let basic = try find(LintOID.basicConstraints).map { try basicConstraints($0) }
        let isCA = basic?.ca ?? false
        if let extn = find(LintOID.basicConstraints), isCA, !extn.critical {
            report.error("lint.ext.basic_constraints_not_critical", "basicConstraints must be critical in a CA certificate")
        }
        if basic?.explicitFalse == true { report.error("lint.ext.basic_constraints_default", "basicConstraints encodes cA FALSE; DER omits a DEFAULT value") }

        let usage = try find(LintOID.keyUsage).map { try keyUsage($0, report: &report) }
        if let usage { keyUsageRules(usage, critical: find(LintOID.keyUsage)!.critical, isCA: isCA, context: context, report: &report) }
        if isCA && usage == nil { report.error("lint.ext.key_usage_missing", "a CA certificate must have keyUsage") }
        if basic?.pathLength != nil {
            if !isCA { report.error("lint.ext.path_len_without_ca", "pathLenConstraint is set but cA is FALSE") }
            if usage?.contains(5) != true { report.error("lint.ext.path_len_without_key_cert_sign", "pathLenConstraint is set without keyCertSign") }
        }

        var ocspSigning = false
        if let eku = find(LintOID.extendedKeyUsage) {
            let purposes = try eku.parsedValue().sequenceChildren("extendedKeyUsage").map { try $0.objectIdentifier("a key purpose") }
            if purposes.isEmpty { report.error("lint.ext.eku_empty", "extendedKeyUsage lists no key purpose") }
            if Set(purposes).count != purposes.count { report.error("lint.ext.eku_duplicate", "extendedKeyUsage lists a key purpose twice") }
            if eku.critical && purposes.contains(LintOID.anyExtendedKeyUsage) {
                report.warning("lint.ext.eku_any_critical", "extendedKeyUsage with anyExtendedKeyUsage should not be critical")
            }
            ocspSigning = purposes.contains(LintOID.ocspSigning)
            if purposes.contains(LintOID.timeStamping) && !eku.critical {
                report.error("lint.ext.eku_time_stamping_not_critical", "extendedKeyUsage with timeStamping must be critical (RFC 3161 2.3)")
            }
        }
        if let nocheck = find(LintOID.ocspNoCheck) {
            if nocheck.value != [0x05, 0x00] { report.error("lint.ext.ocsp_nocheck_value", "id-pkix-ocsp-nocheck must be NULL") }
            if !ocspSigning { report.error("lint.ext.ocsp_nocheck_without_ocsp_signing", "id-pkix-ocsp-nocheck belongs only in an OCSP responder certificate (OCSPSigning)") }
        }

        if let ski = find(LintOID.subjectKeyIdentifier) {
            if ski.critical { report.error("lint.ext.ski_critical", "subjectKeyIdentifier must not be critical") }
            let value = try ski.parsedValue()
            if value.identifier != .octetString || value.bytes.isEmpty { report.error("lint.ext.ski_malformed", "subjectKeyIdentifier is not a non-empty OCTET STRING") }
        } else if isCA {
            report.error("lint.ext.ski_missing", "a CA certificate must have subjectKeyIdentifier")
        } else {
            report.warning("lint.ext.ski_missing", "subjectKeyIdentifier should be present")
        }

        if let aki = find(LintOID.authorityKeyIdentifier) {
            if aki.critical { report.error("lint.ext.aki_critical", "authorityKeyIdentifier must not be critical") }
            let fields = try aki.parsedValue().sequenceChildren("authorityKeyIdentifier")
            if !fields.contains(where: { $0.isContext(0) }) { report.error("lint.ext.aki_no_key_identifier", "authorityKeyIdentifier has no keyIdentifier") }
        } else if !context.selfIssued {
            report.error("lint.ext.aki_missing", "authorityKeyIdentifier is required unless the certificate is self-signed")
        }

        var mailboxes: [ArraySlice<UInt8>] = []
        if let san = find(LintOID.subjectAltName) {
            let names = try san.parsedValue()
            try GeneralNameLint.names(names, name: "lint.ext.san", what: "subjectAltName", report: &report)
            mailboxes = names.children.filter { $0.isContext(1) }.map(\.bytes)
            if context.subjectEmpty && !san.critical { report.error("lint.ext.san_not_critical", "subjectAltName must be critical when the subject is empty") }
            if !context.subjectEmpty && san.critical { report.warning("lint.ext.san_critical", "subjectAltName should not be critical when the subject is not empty") }
        } else if context.subjectEmpty {
            report.error("lint.cert.subject_empty_without_san", "the subject is empty and there is no subjectAltName")
        }
        for email in context.subjectEmails where !mailboxes.contains(email) {
            report.error("lint.name.email_not_in_san", "the subject's emailAddress '\(String(decoding: email, as: UTF8.self))' is not an rfc822Name of the subjectAltName (RFC 5280 4.1.2.6)")
        }
        if let ian = find(LintOID.issuerAltName) {
            try GeneralNameLint.names(try ian.parsedValue(), name: "lint.ext.ian", what: "issuerAltName", report: &report)
        }

        if let constraints = find(LintOID.nameConstraints) {
            if !constraints.critical { report.error("lint.ext.name_constraints_not_critical", "nameConstraints must be critical") }
            if !isCA { report.error("lint.ext.name_constraints_in_leaf", "nameConstraints belongs only in CA certificates") }
        }
        if let access = find(LintOID.authorityInfoAccess), access.critical {
            report.error("lint.ext.aia_critical", "authorityInfoAccess must not be critical")
        }
        if let fresh = find(LintOID.freshestCRL), fresh.critical {
            report.error("lint.ext.freshest_crl_critical", "freshestCRL must not be critical")
        }
        if let points = find(LintOID.crlDistributionPoints), points.critical {
            report.warning("lint.ext.crldp_critical", "cRLDistributionPoints should not be critical")
        }
    }

    private static func basicConstraints(_ extn: LintExtension) throws -> (ca: Bool, explicitFalse: Bool, pathLength: ASN1Node?) {
        let fields = try extn.parsedValue().sequenceChildren("basicConstraints")
        var ca = false, explicitFalse = false
        var rest = fields[...]
        if let first = rest.first, first.identifier == .boolean {
            ca = first.bytes.first.map { $0 != 0 } ?? false
            explicitFalse = !ca
            rest = rest.dropFirst()
        }
        return (ca, explicitFalse, rest.first { $0.identifier == .integer })
    }

    /// The bits set in a KeyUsage BIT STRING (0 = digitalSignature … 8 = decipherOnly).
    private static func keyUsage(_ extn: LintExtension, report: inout LintReport) throws -> Set<Int> {
        let node = try extn.parsedValue()
        try node.expect(.bitString, "keyUsage")
        let bytes = Array(node.bytes)
        guard let unused = bytes.first, unused < 8, bytes.count > 1 || unused == 0 else { throw LintStructureError("keyUsage is not a valid BIT STRING") }
        var bits: Set<Int> = []
        for (index, byte) in bytes.dropFirst().enumerated() {
            for bit in 0..<8 where byte & (0x80 >> bit) != 0 { bits.insert(index * 8 + bit) }
        }
        if let last = bytes.last, bytes.count > 1, last & (1 << unused) == 0 {
            report.error("lint.ext.key_usage_encoding", "keyUsage has trailing zero bits; DER removes them from a named bit list")
        }
        return bits
    }

    static let usageNames = ["digitalSignature", "nonRepudiation", "keyEncipherment", "dataEncipherment", "keyAgreement", "keyCertSign", "cRLSign", "encipherOnly", "decipherOnly"]

    private static func keyUsageRules(_ bits: Set<Int>, critical: Bool, isCA: Bool, context: Context, report: inout LintReport) {
        if bits.isEmpty { report.error("lint.ext.key_usage_empty", "keyUsage sets no bit") }
        if !critical {
            if isCA { report.error("lint.ext.key_usage_not_critical", "keyUsage must be critical in a CA certificate") }
            else { report.warning("lint.ext.key_usage_not_critical", "keyUsage should be critical") }
        }
        if bits.contains(5) && !isCA { report.error("lint.ext.key_cert_sign_without_ca", "keyCertSign is set but basicConstraints does not say cA TRUE") }
        if isCA && !bits.contains(5) { report.error("lint.ext.ca_without_key_cert_sign", "a CA certificate (cA TRUE) must have keyCertSign") }
        if (bits.contains(7) || bits.contains(8)) && !bits.contains(4) {
            report.error("lint.ext.key_usage_for_key_type", "encipherOnly or decipherOnly is set without keyAgreement")
        }
        let forbidden: [Int] = switch context.keyType {
        case .ec: [2, 3] // RFC 5480 3
        case .rsa: [4, 7, 8] // RFC 3279 2.3.1
        case .other: []
        }
        let wrong = forbidden.filter(bits.contains)
        if !wrong.isEmpty {
            report.error("lint.ext.key_usage_for_key_type", "keyUsage \(wrong.map { usageNames[$0] }.joined(separator: ", ")) is not defined for \(context.keyType == .ec ? "EC" : "RSA") keys")
        }
    }
}
