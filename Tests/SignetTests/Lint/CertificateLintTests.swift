import Crypto
import _CryptoExtras
import Foundation
import SignetCore
import Testing

/// Each certificate lint rule on hand-built DER: the well-formed variants pass, and each
/// broken one is found under its stable name.
@Suite struct CertificateLintTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        /// The lint expected (nil: no finding at all).
        let expected: String?
        var severity: LintFinding.Severity = .error
        let build: @Sendable () throws -> [UInt8]
        var testDescription: String { name }

        init(_ name: String, _ expected: String?, severity: LintFinding.Severity = .error, _ change: @escaping @Sendable (inout TBSBuilder) -> Void) {
            self.name = name
            self.expected = expected
            self.severity = severity
            self.build = { var builder = TBSBuilder(); change(&builder); return try builder.certificate() }
        }

        init(_ name: String, _ expected: String?, severity: LintFinding.Severity = .error, certificate: @escaping @Sendable () throws -> [UInt8]) {
            self.name = name
            self.expected = expected
            self.severity = severity
            self.build = certificate
        }
    }

    typealias B = TBSBuilder
    static let rsaKey = try! _RSA.Signing.PrivateKey(keySize: .bits2048)

    static func withExtension(_ extra: [UInt8]) -> @Sendable (inout TBSBuilder) -> Void { { $0.extensions! += [extra] } }
    static func keyUsage(_ bits: [UInt8], critical: Bool = true) -> [UInt8] { DERBytes.extension([2, 5, 29, 15], critical: critical, value: DERBytes.tlv(0x03, bits)) }
    static func cn(_ value: [UInt8]) -> [UInt8] { B.name([("2.5.4.3", value)]) }

    static let cases: [Case] = [
        Case("a well-formed leaf", nil) { _ in },
        Case("a well-formed subordinate CA", nil, certificate: { try B.subordinate().certificate() }),
        Case("a well-formed self-signed root without AKI", nil, certificate: {
            var root = B.subordinate()
            root.issuer = root.subject
            root.spki = Array(B.caKey.publicKey.derRepresentation) // pkilint verifies a self-signed signature
            root.extensions!.removeLast()
            return try root.certificate()
        }),
        Case("GeneralizedTime from 2050", nil) { $0.notAfter = DERBytes.tlv(0x18, Array("20500101000000Z".utf8)) },
        Case("an RSA leaf with keyEncipherment", nil) { $0.spki = Array(rsaKey.publicKey.derRepresentation); $0.extensions![1] = keyUsage([0x05, 0xA0]) },

        Case("serial of 21 octets", "lint.cert.serial_too_long") { $0.serial = DERBytes.unsignedInteger([0x40] + Array(repeating: 0x11, count: 20)) },
        Case("negative serial", "lint.cert.serial_not_positive") { $0.serial = DERBytes.tlv(0x02, [0x80, 0x01, 0x02]) },
        Case("zero serial", "lint.cert.serial_not_positive") { $0.serial = DERBytes.tlv(0x02, [0x00]) },
        Case("serial with a redundant leading zero", "lint.cert.serial_not_minimal") { $0.serial = DERBytes.tlv(0x02, [0x00, 0x01, 0x02]) },
        Case("version v1 with extensions", "lint.cert.version") { $0.version = [] },
        Case("explicit version v1", "lint.cert.version") { $0.version = DERBytes.explicit(0, DERBytes.integer(0)); $0.extensions = nil },
        Case("TBS algorithm differs from the outer one", "lint.cert.signature_algorithm_mismatch", certificate: {
            try B().certificate(outerAlgorithm: DERBytes.sequence(DERBytes.oid([1, 2, 840, 10045, 4, 3, 3])))
        }),
        Case("GeneralizedTime before 2050", "lint.cert.validity_encoding") { $0.notBefore = DERBytes.tlv(0x18, Array("20260101000000Z".utf8)) },
        Case("UTCTime without seconds", "lint.cert.validity_encoding") { $0.notBefore = DERBytes.tlv(0x17, Array("2601010000Z".utf8)) },
        Case("UTCTime with an offset", "lint.cert.validity_encoding") { $0.notBefore = DERBytes.tlv(0x17, Array("260101000000+0100".utf8)) },
        Case("notBefore after notAfter", "lint.cert.validity_order") { $0.notBefore = DERBytes.tlv(0x17, Array("280101000000Z".utf8)) },
        Case("empty issuer", "lint.cert.issuer_empty") { $0.issuer = DERBytes.sequence() },
        Case("issuer and subject unique identifiers", "lint.cert.unique_identifier") { $0.trailing = [0x81, 0x02, 0x00, 0x01] },
        Case("RSA key parameters missing", "lint.cert.spki_parameters") { builder in
            builder.spki = DERBytes.sequence(DERBytes.sequence(DERBytes.oid([1, 2, 840, 113549, 1, 1, 1])), DERBytes.bitString([0x30, 0x00]))
        },

        Case("countryName of three letters", "lint.name.country_code") { $0.subject = B.name([("2.5.4.6", B.string(0x13, "DEU")), ("2.5.4.3", B.string(0x0C, "x"))]) },
        Case("countryName as UTF8String", "lint.name.string_type") { $0.subject = B.name([("2.5.4.6", B.string(0x0C, "DE")), ("2.5.4.3", B.string(0x0C, "x"))]) },
        Case("PrintableString with '@'", "lint.name.printable_charset") { $0.subject = cn(B.string(0x13, "user@example")) },
        Case("PrintableString with '_'", "lint.name.printable_charset") { $0.subject = cn(B.string(0x13, "lint_device")) },
        Case("commonName of 65 characters", "lint.name.too_long") { $0.subject = cn(B.string(0x0C, String(repeating: "a", count: 65))) },
        Case("commonName of 64 multi-byte characters", nil) { $0.subject = cn(B.string(0x0C, String(repeating: "ü", count: 64))) },
        Case("organizationName of 65 characters", "lint.name.too_long") { $0.subject = B.name([("2.5.4.10", B.string(0x0C, String(repeating: "o", count: 65)))]); $0.extensions! += [B.san([0x82, 0x01, 0x61])] },
        Case("serialNumber attribute as UTF8String", "lint.name.string_type") { $0.subject = B.name([("2.5.4.3", B.string(0x0C, "x")), ("2.5.4.5", B.string(0x0C, "123"))]) },
        Case("emailAddress as UTF8String", "lint.name.string_type") {
            $0.subject = B.name([("2.5.4.3", B.string(0x0C, "x")), ("1.2.840.113549.1.9.1", B.string(0x0C, "a@b.example"))])
            $0.extensions! += [B.san(DERBytes.tlv(0x81, Array("a@b.example".utf8)))]
        },
        Case("domainComponent as PrintableString", "lint.name.string_type") { $0.subject = B.name([("0.9.2342.19200300.100.1.25", B.string(0x13, "example")), ("2.5.4.3", B.string(0x0C, "x"))]) },
        Case("commonName as IA5String", "lint.name.string_type") { $0.subject = cn(B.string(0x16, "device")) },
        Case("UTF8String that is not UTF-8", "lint.name.utf8_invalid") { $0.subject = cn(DERBytes.tlv(0x0C, [0x61, 0xC3, 0x28])) },
        Case("NUL in a commonName", "lint.name.nul") { $0.subject = cn(DERBytes.tlv(0x0C, [0x61, 0x00, 0x62])) },
        Case("empty commonName", "lint.name.empty_value") { $0.subject = cn(DERBytes.tlv(0x0C, [])) },
        Case("empty RDN", "lint.name.empty_rdn") { $0.subject = DERBytes.sequence(DERBytes.tlv(0x31, []), DERBytes.set(of: [DERBytes.sequence(DERBytes.oid([2, 5, 4, 3]), B.string(0x0C, "x"))])) },
        Case("BMPString commonName", "lint.name.legacy_string_type", severity: .warning) { $0.subject = cn(DERBytes.tlv(0x1E, [0x00, 0x61, 0x00, 0x62])) },

        Case("empty extensions list", "lint.ext.empty_list") { $0.extensions = [] },
        Case("duplicate extension", "lint.ext.duplicate") { $0.extensions! += [B.ski([1, 2, 3])] },
        Case("critical FALSE encoded", "lint.ext.critical_default") { $0.extensions![2] = DERBytes.sequence(DERBytes.oid([2, 5, 29, 14]), DERBytes.boolean(false), DERBytes.octetString(DERBytes.octetString([1, 2, 3]))) },
        Case("non-critical basicConstraints on a CA", "lint.ext.basic_constraints_not_critical", certificate: {
            var ca = B.subordinate(); ca.extensions![0] = B.basicConstraints(ca: true, critical: false); return try ca.certificate()
        }),
        Case("cA FALSE encoded", "lint.ext.basic_constraints_default") { $0.extensions![0] = DERBytes.extension([2, 5, 29, 19], critical: true, value: DERBytes.sequence(DERBytes.boolean(false))) },
        Case("CA without keyCertSign", "lint.ext.ca_without_key_cert_sign", certificate: {
            var ca = B.subordinate(); ca.extensions![1] = keyUsage([0x01, 0x02]); return try ca.certificate()
        }),
        Case("CA without keyUsage", "lint.ext.key_usage_missing", certificate: {
            var ca = B.subordinate(); ca.extensions!.remove(at: 1); return try ca.certificate()
        }),
        Case("CA with non-critical keyUsage", "lint.ext.key_usage_not_critical", certificate: {
            var ca = B.subordinate(); ca.extensions![1] = keyUsage([0x01, 0x06], critical: false); return try ca.certificate()
        }),
        Case("leaf with non-critical keyUsage", "lint.ext.key_usage_not_critical", severity: .warning) { $0.extensions![1] = keyUsage([0x07, 0x80], critical: false) },
        Case("keyCertSign in a leaf", "lint.ext.key_cert_sign_without_ca") { $0.extensions![1] = keyUsage([0x02, 0x84]) },
        Case("pathLenConstraint in a leaf", "lint.ext.path_len_without_ca") { $0.extensions![0] = B.basicConstraints(ca: false, pathLength: 0) },
        Case("empty keyUsage", "lint.ext.key_usage_empty") { $0.extensions![1] = keyUsage([0x00]) },
        Case("keyUsage with trailing zero bits", "lint.ext.key_usage_encoding") { $0.extensions![1] = keyUsage([0x00, 0x80]) },
        Case("keyEncipherment on an EC key", "lint.ext.key_usage_for_key_type") { $0.extensions![1] = keyUsage([0x05, 0xA0]) },
        Case("keyAgreement on an RSA key", "lint.ext.key_usage_for_key_type") { $0.spki = Array(rsaKey.publicKey.derRepresentation); $0.extensions![1] = keyUsage([0x03, 0x88]) },
        Case("empty extendedKeyUsage", "lint.ext.eku_empty", withExtension(DERBytes.extension([2, 5, 29, 37], value: DERBytes.sequence()))),
        Case("critical anyExtendedKeyUsage", "lint.ext.eku_any_critical", severity: .warning, withExtension(DERBytes.extension([2, 5, 29, 37], critical: true, value: DERBytes.sequence(DERBytes.oid([2, 5, 29, 37, 0])))) ),
        Case("non-critical timeStamping", "lint.ext.eku_time_stamping_not_critical", withExtension(DERBytes.extension([2, 5, 29, 37], value: DERBytes.sequence(DERBytes.oid([1, 3, 6, 1, 5, 5, 7, 3, 8]))))),
        Case("critical timeStamping", nil, withExtension(DERBytes.extension([2, 5, 29, 37], critical: true, value: DERBytes.sequence(DERBytes.oid([1, 3, 6, 1, 5, 5, 7, 3, 8]))))),
        Case("ocsp-nocheck without OCSPSigning", "lint.ext.ocsp_nocheck_without_ocsp_signing", withExtension(DERBytes.extension([1, 3, 6, 1, 5, 5, 7, 48, 1, 5], value: DERBytes.null))),
        Case("critical subjectKeyIdentifier", "lint.ext.ski_critical") { $0.extensions![2] = DERBytes.extension([2, 5, 29, 14], critical: true, value: DERBytes.octetString([1, 2, 3])) },
        Case("CA without subjectKeyIdentifier", "lint.ext.ski_missing", certificate: {
            var ca = B.subordinate(); ca.extensions!.remove(at: 2); return try ca.certificate()
        }),
        Case("leaf without subjectKeyIdentifier", "lint.ext.ski_missing", severity: .warning) { $0.extensions!.remove(at: 2) },
        Case("missing authorityKeyIdentifier", "lint.ext.aki_missing") { $0.extensions!.removeLast() },
        Case("critical authorityKeyIdentifier", "lint.ext.aki_critical") { $0.extensions![3] = B.aki(B.caKeyID, critical: true) },
        Case("empty subjectAltName", "lint.ext.san_empty", withExtension(B.san())),
        Case("dNSName with an underscore", "lint.ext.san_dns", withExtension(B.san(DERBytes.tlv(0x82, Array("bad_name.example".utf8))))),
        Case("dNSName with an empty label", "lint.ext.san_dns", withExtension(B.san(DERBytes.tlv(0x82, Array("a..example".utf8))))),
        Case("iPAddress of 5 octets", "lint.ext.san_ip", withExtension(B.san(DERBytes.tlv(0x87, [10, 0, 0, 1, 1])))),
        Case("URI without a scheme", "lint.ext.san_uri", withExtension(B.san(DERBytes.tlv(0x86, Array("example.com/device".utf8))))),
        Case("rfc822Name without '@'", "lint.ext.san_rfc822", withExtension(B.san(DERBytes.tlv(0x81, Array("device.example".utf8))))),
        Case("wildcard dNSName", "lint.ext.san_dns", withExtension(B.san(DERBytes.tlv(0x82, Array("*.lint.example".utf8))))),
        Case("numeric top-level label", "lint.ext.san_dns", withExtension(B.san(DERBytes.tlv(0x82, Array("host.example.123".utf8))))),
        Case("single-label dNSName", "lint.ext.san_dns_single_label", severity: .warning, withExtension(B.san(DERBytes.tlv(0x82, Array("localhost".utf8))))),
        Case("subject emailAddress not in the SAN", "lint.name.email_not_in_san") { $0.subject = B.name([("2.5.4.3", B.string(0x0C, "x")), ("1.2.840.113549.1.9.1", B.string(0x16, "a@b.example"))]) },
        Case("subject emailAddress also in the SAN", nil) {
            $0.subject = B.name([("2.5.4.3", B.string(0x0C, "x")), ("1.2.840.113549.1.9.1", B.string(0x16, "a@b.example"))])
            $0.extensions! += [B.san(DERBytes.tlv(0x81, Array("a@b.example".utf8)))]
        },
        Case("DNS, IPv6, URI and mailbox names", nil, withExtension(B.san(
            DERBytes.tlv(0x82, Array("lint.example".utf8)), DERBytes.tlv(0x87, Array(repeating: 0x20, count: 16)),
            DERBytes.tlv(0x86, Array("urn:uuid:5d3c0b34-6a1e-4c1e-9a0e-1f3b2c4d5e6f".utf8)), DERBytes.tlv(0x81, Array("ops@lint.example".utf8))
        ))),
        Case("empty subject with a non-critical SAN", "lint.ext.san_not_critical") { $0.subject = DERBytes.sequence(); $0.extensions! += [B.san(DERBytes.tlv(0x82, Array("a.example".utf8)))] },
        Case("empty subject without a SAN", "lint.cert.subject_empty_without_san") { $0.subject = DERBytes.sequence() },
        Case("empty subject with a critical SAN", nil) { $0.subject = DERBytes.sequence(); $0.extensions! += [B.san(DERBytes.tlv(0x82, Array("a.example".utf8)), critical: true)] },
        Case("nameConstraints in a leaf", "lint.ext.name_constraints_in_leaf", withExtension(DERBytes.extension([2, 5, 29, 30], critical: true, value: DERBytes.sequence(DERBytes.tlv(0xA0, DERBytes.sequence(DERBytes.tlv(0x82, Array("example".utf8)))))))),
        Case("non-critical nameConstraints on a CA", "lint.ext.name_constraints_not_critical", certificate: {
            var ca = B.subordinate()
            ca.extensions! += [DERBytes.extension([2, 5, 29, 30], value: DERBytes.sequence(DERBytes.tlv(0xA0, DERBytes.sequence(DERBytes.tlv(0x82, Array("example".utf8))))))]
            return try ca.certificate()
        }),
        Case("unknown critical extension", "lint.ext.unknown_critical", withExtension(DERBytes.extension([1, 3, 6, 1, 4, 1, 99999, 1], critical: true, value: DERBytes.null))),
        Case("not DER at all", "lint.der.malformed", certificate: { [0x30, 0x03, 0x02, 0x01] }),
    ]

    @Test(arguments: cases)
    func rule(_ lintCase: Case) throws {
        let report = CertificateLint.lint(certificate: try lintCase.build())
        guard let expected = lintCase.expected else {
            #expect(report.findings.isEmpty, "\(report.findings)")
            return
        }
        #expect(report.findings.contains { $0.name == expected && $0.severity == lintCase.severity }, "expected \(expected) (\(lintCase.severity)), found \(report.findings)")
        #expect(report.passed == (lintCase.severity == .warning), "\(report.findings)")
    }
}
