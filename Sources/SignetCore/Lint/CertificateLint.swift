import SwiftASN1

/// The RFC 5280 profile rules over a TBSCertificate, run on the exact bytes the token is
/// about to sign. Pure: bytes in, findings out.
public enum CertificateLint {
    /// Lints a TBSCertificate. `signatureAlgorithm` is the DER AlgorithmIdentifier that will go
    /// beside the signature (the TBS's own must equal it, RFC 5280 4.1.1.2).
    public static func lint(tbs: ArraySlice<UInt8>, signatureAlgorithm: ArraySlice<UInt8>?) -> LintReport {
        var report = LintReport()
        do { try rules(tbs, signatureAlgorithm: signatureAlgorithm, report: &report) } catch let error as LintStructureError {
            report.error("lint.der.malformed", "the TBSCertificate is not well-formed: \(error.message)")
        } catch {
            report.error("lint.der.malformed", "the TBSCertificate is not well-formed: \(error)")
        }
        return report
    }

    /// Lints a whole certificate: its TBS against its outer signature algorithm.
    public static func lint(certificate der: [UInt8]) -> LintReport {
        guard let node = try? DER.parse(der), node.identifier == .sequence, case let parts = node.children, parts.count == 3 else {
            var report = LintReport()
            report.error("lint.der.malformed", "not a DER Certificate")
            return report
        }
        return lint(tbs: parts[0].encodedBytes, signatureAlgorithm: parts[1].encodedBytes)
    }

    private static func rules(_ tbs: ArraySlice<UInt8>, signatureAlgorithm: ArraySlice<UInt8>?, report: inout LintReport) throws {
        var fields = try LintDER.parse(tbs).sequenceChildren("the TBSCertificate")[...]
        var version = 0
        if let first = fields.first, first.isContext(0) {
            let inner = try first.explicitInner("version")
            guard inner.identifier == .integer, inner.bytes.count == 1 else { throw LintStructureError("version is not a small INTEGER") }
            version = Int(inner.bytes.first!)
            if version == 0 { report.error("lint.cert.version", "version v1 is encoded; DER omits the DEFAULT") }
            if version > 2 { report.error("lint.cert.version", "version \(version + 1) does not exist") }
            fields = fields.dropFirst()
        }
        guard fields.count >= 6 else { throw LintStructureError("the TBSCertificate has \(fields.count) fields after the version, not at least 6") }
        let serial = fields.removeFirst(), algorithm = fields.removeFirst(), issuer = fields.removeFirst()
        let validity = fields.removeFirst(), subject = fields.removeFirst(), spki = fields.removeFirst()

        LintDER.positiveInteger(serial, prefix: "lint.cert.serial", what: "the serial number", report: &report)
        try algorithm.expect(.sequence, "the signature algorithm")
        if let signatureAlgorithm, algorithm.encodedBytes != signatureAlgorithm {
            report.error("lint.cert.signature_algorithm_mismatch", "the TBS signature algorithm differs from the certificate's signatureAlgorithm")
        }

        if try NameLint.name(issuer, what: "issuer", report: &report) {
            report.error("lint.cert.issuer_empty", "the issuer name is empty")
        }
        let times = try validity.sequenceChildren("validity")
        guard times.count == 2 else { throw LintStructureError("validity has \(times.count) times") }
        let notBefore = TimeLint.time(times[0], name: "lint.cert.validity_encoding", what: "notBefore", report: &report)
        let notAfter = TimeLint.time(times[1], name: "lint.cert.validity_encoding", what: "notAfter", report: &report)
        if let notBefore, let notAfter, notBefore >= notAfter {
            report.error("lint.cert.validity_order", "notBefore \(notBefore) is not before notAfter \(notAfter)")
        }
        let subjectEmpty = try NameLint.name(subject, what: "subject", report: &report)
        let keyType = try self.keyType(spki, report: &report)

        var extensions: [LintExtension]?
        for field in fields {
            guard field.identifier.tagClass == .contextSpecific else { throw LintStructureError("the TBSCertificate has an unexpected field \(field.identifier)") }
            switch field.identifier.tagNumber {
            case 1, 2:
                report.error("lint.cert.unique_identifier", "conforming CAs must not generate unique identifiers")
                if version < 1 { report.error("lint.cert.version", "unique identifiers need version v2 or v3") }
            case 3:
                extensions = try ExtensionLint.list(try field.explicitInner("extensions"), prefix: "lint.ext", what: "certificate", report: &report)
                if version != 2 { report.error("lint.cert.version", "a certificate with extensions must be version v3") }
            default:
                throw LintStructureError("the TBSCertificate has an unexpected field \(field.identifier)")
            }
        }
        let context = CertificateExtensionLint.Context(
            keyType: keyType, subjectEmpty: subjectEmpty, selfIssued: issuer.encodedBytes == subject.encodedBytes,
            subjectEmails: NameLint.values(of: NameLint.emailAddress, in: subject)
        )
        try CertificateExtensionLint.lint(extensions ?? [], context: context, report: &report)
    }

    /// The key's type; RSA parameters must be NULL and EC ones a named curve (RFC 3279, 5480).
    private static func keyType(_ spki: ASN1Node, report: inout LintReport) throws -> CertificateExtensionLint.KeyType {
        let parts = try spki.sequenceChildren("subjectPublicKeyInfo")
        guard parts.count == 2 else { throw LintStructureError("subjectPublicKeyInfo has \(parts.count) fields") }
        let algorithm = try parts[0].sequenceChildren("the public key algorithm")
        guard let first = algorithm.first else { throw LintStructureError("the public key algorithm is empty") }
        switch try first.objectIdentifier("the public key algorithm") {
        case LintOID.rsaEncryption:
            if algorithm.count != 2 || algorithm[1].identifier != .null { report.error("lint.cert.spki_parameters", "rsaEncryption parameters must be NULL") }
            return .rsa
        case LintOID.ecPublicKey:
            if algorithm.count != 2 || algorithm[1].identifier != .objectIdentifier { report.error("lint.cert.spki_parameters", "an EC public key must name its curve") }
            return .ec
        default:
            return .other
        }
    }
}
