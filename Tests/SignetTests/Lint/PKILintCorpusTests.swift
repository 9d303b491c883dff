import Foundation
import SignetCore
import SignetToken
import SwiftASN1
import Testing
import X509

/// Signet's in-process lint against pkilint over a corpus of certificates: every reviewed
/// profile and variants of it under many CSRs (key types and sizes, subjects of various
/// attributes and string types, SANs of every kind, requested key usages), CA certificates,
/// and certificates built broken on purpose. Whenever Signet's lint finds nothing, pkilint
/// must find nothing at WARNING or above; whatever pkilint calls an ERROR, Signet's lint
/// must refuse.
@Suite struct PKILintCorpusTests {
    struct Entry {
        let label: String
        let der: [UInt8]
        /// Issued through the gate (its lint passed on these bytes).
        let issued: Bool
    }

    /// pkilint's RFC 5280 certificate validators (as its `lint_pkix_cert` assembles them),
    /// run over every file in one process; prints {file: [[severity, code], …]}.
    static let script = """
    import json, sys
    from pkilint import loader
    from pkilint.pkix import certificate, name, extension
    from pkilint.validation import ValidationFindingSeverity
    validator = certificate.create_pkix_certificate_validator_container(
        certificate.create_decoding_validators(name.ATTRIBUTE_TYPE_MAPPINGS, extension.EXTENSION_MAPPINGS),
        [certificate.create_issuer_validator_container([]), certificate.create_validity_validator_container(),
         certificate.create_subject_validator_container([]), certificate.create_extensions_validator_container([]),
         certificate.create_spki_validator_container([])])
    found = {}
    for path in sys.argv[1:]:
        with open(path, 'rb') as f:
            data = f.read()
        try:
            document = loader.RFC5280CertificateDocumentLoader().load_der_document(data, path)
            results = validator.validate(document.root)
            found[path] = [[d.finding.severity.name, d.finding.code] for r in results for d in r.finding_descriptions
                           if d.finding.severity <= ValidationFindingSeverity.WARNING]
        except Exception as e:
            found[path] = [['FATAL', 'decode: %s' % type(e).__name__]]
    print(json.dumps(found))
    """

    static func pkilint(_ files: [String], scratch: Scratch) throws -> [String: [[String]]] {
        let directory = try TestEnvironment.variable("SIGNET_TEST_PKILINT")
        let script = try scratch.write("lint_corpus.py", Array(script.utf8))
        let result = try Tool.run(directory + "/python", [script] + files)
        guard result.status == 0, let json = try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: [[String]]] else {
            throw TestSetupError("pkilint failed: \(result.error)")
        }
        return json
    }

    /// Where pkilint 0.13 is stricter than RFC 5280 and Signet follows RFC 5280; such cases
    /// are listed in the summary, not counted as disagreements.
    /// - `pkix.invalid_uri_syntax`: pkilint checks URIs with python-validators' `url()`, which
    ///   knows nine schemes (http, https, ftp, …). RFC 5280 4.2.1.6 asks for a scheme and a
    ///   scheme-specific part, so `urn:uuid:…` and `spiffe://…` device identities are valid.
    /// - `pkix.invalid_domain_name_syntax` on a single-label dNSName (`localhost`, which the
    ///   test server's own certificate carries): RFC 1034 syntax allows it; Signet warns.
    static func pkilintStricter(_ code: String, der: [UInt8], signet: LintReport) -> Bool {
        switch code {
        case "pkix.invalid_uri_syntax":
            let webSchemes: Set<String> = ["ftp", "ftps", "git", "http", "https", "rtsp", "sftp", "ssh", "telnet"]
            guard let names = try? Certificate(derEncoded: der).extensions.subjectAlternativeNames else { return false }
            let uris = names.compactMap { name -> String? in if case .uniformResourceIdentifier(let uri) = name { uri } else { nil } }
            return !uris.isEmpty && uris.contains { uri in uri.split(separator: ":").first.map { !webSchemes.contains(String($0)) } ?? false }
        case "pkix.invalid_domain_name_syntax":
            return signet.warnings.contains { $0.name == "lint.ext.san_dns_single_label" }
        default:
            return false
        }
    }

    // MARK: - CSR variants

    struct Variant {
        let label: String
        let key: SoftwareCSR.Key
        let subject: DistinguishedName
        var extensions: Certificate.Extensions? = nil
    }

    static func variants() throws -> [Variant] {
        typealias A = RelativeDistinguishedName.Attribute
        func cn(_ text: String) -> RelativeDistinguishedName { RelativeDistinguishedName(A(type: .RDNAttributeType.commonName, utf8String: text)) }
        func utf8(_ type: ASN1ObjectIdentifier, _ text: String) -> RelativeDistinguishedName { RelativeDistinguishedName(A(type: type, utf8String: text)) }
        func raw(_ type: ASN1ObjectIdentifier, _ tag: UInt8, _ text: String) throws -> RelativeDistinguishedName { try SoftwareCSR.attribute(type, tag: tag, text) }
        let email: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 9, 1], dc: ASN1ObjectIdentifier = [0, 9, 2342, 19200300, 100, 1, 25]
        let serialNumber: ASN1ObjectIdentifier = [2, 5, 4, 5], title: ASN1ObjectIdentifier = [2, 5, 4, 12], givenName: ASN1ObjectIdentifier = [2, 5, 4, 42]

        let subjects: [(String, DistinguishedName)] = [
            ("cn", DistinguishedName([cn("device-0001")])),
            ("cn-printable", DistinguishedName([try raw(.RDNAttributeType.commonName, 0x13, "Device 0002")])),
            ("cn-unicode", DistinguishedName([cn("Gerät Ünïcode 東京")])),
            ("cn-64", DistinguishedName([cn(String(repeating: "c", count: 64))])),
            ("full-dn", DistinguishedName([try raw(.RDNAttributeType.countryName, 0x13, "DE"), utf8(.RDNAttributeType.stateOrProvinceName, "Bayern"),
                                           utf8(.RDNAttributeType.localityName, "München"), utf8(.RDNAttributeType.organizationName, "Signet Tests"),
                                           utf8(.RDNAttributeType.organizationalUnitName, "Fleet"), cn("lint.example")])),
            ("serial-number", DistinguishedName([try raw(serialNumber, 0x13, "SN-12345"), cn("device-0003")])),
            ("email", DistinguishedName([cn("device-0004"), try raw(email, 0x16, "ops@lint.example")])),
            ("dc", DistinguishedName([try raw(dc, 0x16, "example"), try raw(dc, 0x16, "com"), cn("device-0005")])),
            ("title-given-name", DistinguishedName([utf8(givenName, "Ada"), utf8(title, "Operator"), cn("Ada Operator")])),
            ("bmp-cn", DistinguishedName([RelativeDistinguishedName(A(type: .RDNAttributeType.commonName, value: try ASN1Any(derEncoded: [0x1E, 0x04, 0x00, 0x61, 0x00, 0x62])))])),
            ("empty-subject", DistinguishedName()),
            // Broken requests: the gate's lint must refuse them under profiles that honour the subject.
            ("bad-cn-65", DistinguishedName([cn(String(repeating: "x", count: 65))])),
            ("bad-email-utf8", DistinguishedName([cn("device-0006"), utf8(email, "ops@lint.example")])),
            ("bad-printable-at", DistinguishedName([try raw(.RDNAttributeType.commonName, 0x13, "ops@lint.example")])),
            ("bad-country", DistinguishedName([try raw(.RDNAttributeType.countryName, 0x13, "DEU"), cn("device-0007")])),
            ("bad-o-65", DistinguishedName([utf8(.RDNAttributeType.organizationName, String(repeating: "o", count: 65)), cn("device-0008")])),
        ]
        let sans: [(String, SubjectAlternativeNames?)] = [
            ("no-san", nil),
            ("dns", SubjectAlternativeNames([.dnsName("lint.example")])),
            ("wildcard", SubjectAlternativeNames([.dnsName("*.lint.example"), .dnsName("lint.example")])),
            ("ipv4", SubjectAlternativeNames([.ipAddress(ASN1OctetString(contentBytes: [192, 0, 2, 10]))])),
            ("ipv6", SubjectAlternativeNames([.ipAddress(ASN1OctetString(contentBytes: ArraySlice([0x20, 0x01, 0x0d, 0xb8] + Array(repeating: 0, count: 11) + [1])))])),
            ("uri", SubjectAlternativeNames([.uniformResourceIdentifier("urn:uuid:5d3c0b34-6a1e-4c1e-9a0e-1f3b2c4d5e6f")])),
            ("email-san", SubjectAlternativeNames([.rfc822Name("ops@lint.example")])),
            ("mixed", SubjectAlternativeNames([.dnsName("a.lint.example"), .ipAddress(ASN1OctetString(contentBytes: [10, 1, 2, 3])), .uniformResourceIdentifier("https://lint.example/d/1"), .rfc822Name("d@lint.example")])),
            ("bad-dns", SubjectAlternativeNames([.dnsName("bad_name.lint.example")])),
            ("bad-ip", SubjectAlternativeNames([.ipAddress(ASN1OctetString(contentBytes: [10, 0, 0, 1, 1]))])),
            ("bad-uri", SubjectAlternativeNames([.uniformResourceIdentifier("lint.example/no-scheme")])),
        ]
        let usages: [(String, KeyUsage?, ExtendedKeyUsage?)] = [
            ("", nil, nil),
            ("ku-ds", KeyUsage(digitalSignature: true), nil),
            ("ku-ke", KeyUsage(digitalSignature: true, keyEncipherment: true), try ExtendedKeyUsage([.serverAuth, .clientAuth])),
            ("ku-ka", KeyUsage(keyAgreement: true), try ExtendedKeyUsage([.emailProtection])),
            ("eku-cs", nil, try ExtendedKeyUsage([.codeSigning, .timeStamping])),
        ]
        var variants: [Variant] = []
        let keys = SoftwareCSR.Key.allCases
        for (index, (subjectLabel, subject)) in subjects.enumerated() {
            for round in 0..<3 {
                let n = index * 3 + round
                // A subject emailAddress must be in the SAN too (RFC 5280 4.1.2.6).
                let san = subjectLabel == "email" ? sans[6] : subject.isEmpty ? sans[1 + n % 7] : sans[n % sans.count]
                let usage = usages[n % usages.count]
                var extensions = Certificate.Extensions()
                if let names = san.1 { try extensions.append(Certificate.Extension(names, critical: false)) }
                if let ku = usage.1 { try extensions.append(Certificate.Extension(ku, critical: true)) }
                if let eku = usage.2 { try extensions.append(Certificate.Extension(eku, critical: false)) }
                let key = keys[n % keys.count]
                variants.append(Variant(label: "\(subjectLabel)+\(san.0)\(usage.0.isEmpty ? "" : "+" + usage.0)+\(key)", key: key, subject: subject,
                                        extensions: extensions.isEmpty ? nil : extensions))
            }
        }
        return variants
    }

    // MARK: - Certificates broken on purpose

    /// Field-level mutations of an issued certificate's TBS, re-signed with a software key.
    static func mutations(of der: [UInt8]) throws -> [(String, [UInt8])] {
        let certificate = try DER.parse(der).parts
        let fields = certificate[0].parts.map { Array($0.encodedBytes) }
        func rebuilt(_ change: (inout [[UInt8]]) -> Void) throws -> [UInt8] {
            var copy = fields
            change(&copy)
            let tbs = DERBytes.sequence(of: copy)
            let signature = try TBSBuilder.caKey.signature(for: tbs)
            return DERBytes.sequence(tbs, TBSBuilder.ecdsaSHA256, DERBytes.bitString(Array(signature.derRepresentation)))
        }
        let extensionsIndex = fields.count - 1
        let extensions = try DER.parse(fields[extensionsIndex]).parts[0].parts.map { Array($0.encodedBytes) }
        func withExtensions(_ change: (inout [[UInt8]]) -> Void) throws -> [UInt8] {
            var list = extensions
            change(&list)
            return try rebuilt { $0[extensionsIndex] = DERBytes.explicit(3, DERBytes.sequence(of: list)) }
        }
        func isExtension(_ bytes: [UInt8], _ arc: UInt8) -> Bool { bytes.count > 7 && Array(bytes[2..<7]) == [0x06, 0x03, 0x55, 0x1D, arc] }
        return [
            ("long-serial", try rebuilt { $0[1] = DERBytes.unsignedInteger([0x40] + Array(repeating: 0x5A, count: 20)) }),
            ("negative-serial", try rebuilt { $0[1] = DERBytes.tlv(0x02, [0x9C, 0x01, 0x02, 0x03]) }),
            ("zero-serial", try rebuilt { $0[1] = DERBytes.tlv(0x02, [0x00]) }),
            ("generalized-before-2050", try rebuilt { $0[4] = DERBytes.sequence(DERBytes.tlv(0x18, Array("20260101000000Z".utf8)), DERBytes.tlv(0x17, Array("270101000000Z".utf8))) }),
            ("utc-without-seconds", try rebuilt { $0[4] = DERBytes.sequence(DERBytes.tlv(0x17, Array("2601010000Z".utf8)), DERBytes.tlv(0x17, Array("270101000000Z".utf8))) }),
            ("empty-issuer", try rebuilt { $0[3] = DERBytes.sequence() }),
            ("version-v1-with-extensions", try rebuilt { $0.removeFirst() }),
            ("algorithm-mismatch", try rebuilt { $0[2] = DERBytes.sequence(DERBytes.oid([1, 2, 840, 10045, 4, 3, 3])) }),
            ("duplicate-extension", try withExtensions { $0.append($0[$0.count - 1]) }),
            ("empty-extensions", try withExtensions { $0.removeAll() }),
            ("no-aki", try withExtensions { $0.removeAll { isExtension($0, 0x23) } }),
            ("critical-aki", try withExtensions { list in
                list = list.map { isExtension($0, 0x23) ? DERBytes.sequence(Array($0[2..<7]), DERBytes.boolean(true), Array($0[7...])) : $0 }
            }),
            ("critical-ski", try withExtensions { list in
                list = list.map { isExtension($0, 0x0E) ? DERBytes.sequence(Array($0[2..<7]), DERBytes.boolean(true), Array($0[7...])) : $0 }
            }),
            ("key-encipherment-on-ec", try withExtensions { list in
                list = list.map { isExtension($0, 0x0F) ? DERBytes.extension([2, 5, 29, 15], critical: true, value: DERBytes.tlv(0x03, [0x05, 0xA0])) : $0 }
            }),
            ("key-cert-sign-in-leaf", try withExtensions { list in
                list = list.map { isExtension($0, 0x0F) ? DERBytes.extension([2, 5, 29, 15], critical: true, value: DERBytes.tlv(0x03, [0x02, 0x84])) : $0 }
            }),
            ("empty-san", try withExtensions { $0.append(TBSBuilder.san()) }),
            ("empty-eku", try withExtensions { list in
                list.removeAll { isExtension($0, 0x25) }
                list.append(DERBytes.extension([2, 5, 29, 37], value: DERBytes.sequence()))
            }),
            ("unknown-critical", try withExtensions { $0.append(DERBytes.extension([1, 3, 6, 1, 4, 1, 99999, 3], critical: true, value: DERBytes.null)) }),
            ("cn-65", try rebuilt { $0[5] = TBSBuilder.name([("2.5.4.3", TBSBuilder.string(0x0C, String(repeating: "m", count: 65)))]) }),
            ("printable-at", try rebuilt { $0[5] = TBSBuilder.name([("2.5.4.3", TBSBuilder.string(0x13, "m@lint.example"))]) }),
        ]
    }

    @Test func signetLintAgreesWithPKILint() async throws {
        let fixture = try await GateFixture.get()
        let core = fixture.environment.core
        let scratch = try Scratch()
        var corpus: [Entry] = [
            Entry(label: "root-ca", der: try fixture.root.der(), issued: true),
            Entry(label: "subordinate-ca", der: try fixture.sub.der(), issued: true),
        ]
        let honouring = try await fixture.profile(from: "iot-device") {
            $0.honorSubject = true; $0.honorKeyUsage = true; $0.honorExtendedKeyUsages = true
            $0.keyUsage = .init()
            $0.keyUsage.digitalSignature = true
        }
        let tlsHonouring = try await fixture.profile(from: "tls-server") { $0.honorKeyUsage = true; $0.honorExtendedKeyUsages = true }
        var extraCAs: [String] = []
        for (label, spec) in [("subordinate-ca-p384", KeySpec.ecP384), ("subordinate-ca-rsa3072", .rsa(bits: 3072))] {
            var request = CACreationRequest(
                id: unique("lint-sub"), subject: try SubjectText.parse("CN=Lint \(label),O=Signet Tests,C=DE"), keySpec: spec,
                profileID: "subordinate-ca", issuanceProfileID: "iot-device", parentID: fixture.rootID, requester: .localAdministrator("test-lint-corpus")
            )
            request.allowedProfiles = GateFixture.endEntityProfiles + [honouring, tlsHonouring]
            let ca = try await core.createCA(request)
            corpus.append(Entry(label: label, der: ca.certificateDER, issued: true))
            extraCAs.append(ca.id)
        }
        // Every end-entity profile a sign request may use (responder and CA profiles have their own paths).
        let profiles = GateFixture.endEntityProfiles + [honouring, tlsHonouring]
        var refusedByLint: [String: Int] = [:], refusedByPolicy = 0
        var broken = (requests: 0, refused: 0, issued: [String]())
        let variants = try Self.variants()
        // Every variant under every profile from the P-256, P-384 and RSA issuing CAs (each
        // signature algorithm the CAs have).
        var requests = profiles.flatMap { profile in variants.map { (fixture.subID, profile, $0) } }
        for ca in extraCAs { requests += profiles.flatMap { profile in variants.map { (ca, profile, $0) } } }
        for (caID, profile, variant) in requests {
            let csr = try SoftwareCSR.make(subject: variant.subject, key: variant.key, extensions: variant.extensions)
            let isBroken = variant.label.contains("bad-")
            if isBroken { broken.requests += 1 }
            do {
                let issued = try await core.issue(csr: csr, caID: caID, profileID: profile, requester: Requester("test-lint-corpus"))
                corpus.append(Entry(label: "\(profile.prefix(18)):\(variant.label)", der: issued.record.der, issued: true))
                if isBroken { broken.issued.append("\(profile):\(variant.label)") }
            } catch GateError.refused(let refusal) where refusal.rule.hasPrefix("lint.") {
                refusedByLint[refusal.rule, default: 0] += 1
                if isBroken { broken.refused += 1 }
            } catch GateError.refused {
                refusedByPolicy += 1
                if isBroken { broken.refused += 1 }
            }
        }
        let issuedCount = corpus.count
        for entry in corpus.filter({ $0.issued }).dropFirst(4).prefix(6) {
            for (label, der) in try Self.mutations(of: entry.der) { corpus.append(Entry(label: "\(entry.label)~\(label)", der: der, issued: false)) }
        }
        for lintCase in CertificateLintTests.cases {
            corpus.append(Entry(label: "built:\(lintCase.name)", der: try lintCase.build(), issued: false))
        }
        #expect(issuedCount >= 200, "the gate issued \(issuedCount) certificates of the corpus")

        var files: [String] = []
        for (index, entry) in corpus.enumerated() { files.append(try scratch.write("corpus-\(index).der", entry.der)) }
        let pk = try Self.pkilint(files, scratch: scratch)

        var rows: [String] = [], exceptions: [String] = []
        var agree = (clean: 0, bothError: 0, signetOnly: 0, warningsOnly: 0)
        for (entry, file) in zip(corpus, files) {
            let signet = CertificateLint.lint(certificate: entry.der)
            let found = pk[file] ?? [["FATAL", "no result"]]
            let stricter = found.filter { ($0[0] == "ERROR") && Self.pkilintStricter($0[1], der: entry.der, signet: signet) }
            if !stricter.isEmpty { exceptions.append("\(entry.label): \(stricter.map { $0[1] }.joined(separator: ", "))") }
            let pkErrors = found.filter { ($0[0] == "ERROR" || $0[0] == "FATAL") && !stricter.contains($0) }
            let pkCodes = found.map { "\($0[0].prefix(1)):\($0[1])" }.joined(separator: " ")
            if entry.issued { #expect(signet.passed, "\(entry.label) was issued but fails Signet's lint: \(signet.findings)") }
            if signet.findings.isEmpty {
                #expect(found.filter { !stricter.contains($0) }.isEmpty, "\(entry.label): Signet's lint finds nothing, pkilint finds \(pkCodes)")
            }
            if !pkErrors.isEmpty {
                #expect(!signet.passed, "\(entry.label): pkilint finds \(pkCodes), Signet's lint does not refuse (\(signet.findings.map(\.name)))")
            }
            switch (signet.passed, pkErrors.isEmpty) {
            case (true, true) where signet.findings.isEmpty && found.isEmpty: agree.clean += 1
            case (false, false): agree.bothError += 1
            case (false, true): agree.signetOnly += 1
            default: agree.warningsOnly += 1
            }
            if !signet.findings.isEmpty || !found.isEmpty {
                rows.append("\(entry.label.padding(toLength: 58, withPad: " ", startingAt: 0)) | signet: \(signet.findings.map { "\($0.severity == .error ? "E" : "W"):\($0.name)" }.joined(separator: " ")) | pkilint: \(pkCodes)")
            }
        }
        print("""
        pkilint corpus: \(corpus.count) certificates (\(issuedCount) issued through the gate, \(corpus.count - issuedCount) built broken); \
        gate refusals by lint \(refusedByLint.sorted { $0.key < $1.key }.map { "\($0.key)×\($0.value)" }.joined(separator: ", ")), by issuance policy \(refusedByPolicy)
        clean in both: \(agree.clean) · refused by Signet and pkilint ERROR: \(agree.bothError) · refused by Signet only: \(agree.signetOnly) · warnings only: \(agree.warningsOnly)
        pkilint stricter than RFC 5280 (not counted): \(exceptions.isEmpty ? "none" : exceptions.joined(separator: "; "))
        \(rows.joined(separator: "\n"))
        """)
        // Broken requests are refused by the gate: by its CSR and issuance rules, or, for what
        // gets past those, by the lint (whose gate path LintGateTests prove on its own).
        #expect(broken.requests > 0 && broken.refused == broken.requests, "broken requests issued: \(broken.issued)")
    }
}

private extension ASN1Node {
    var parts: [ASN1Node] {
        if case .constructed(let nodes) = content { return Array(nodes) }
        return []
    }
}
