import Foundation
@testable import SignetCore
import Testing

/// The CRL and OCSP ResponseData lint rules on DER built by Signet's own encoders, each
/// broken in one place.
@Suite struct RevocationLintTests {
    static let algorithm = DERBytes.sequence(DERBytes.oid([1, 2, 840, 10045, 4, 3, 2]))
    static let issuer = TBSBuilder.name([("2.5.4.3", TBSBuilder.string(0x0C, "Lint CA"))])
    static let keyID = Array(repeating: UInt8(0x5A), count: 20)
    static let now = Date(timeIntervalSince1970: 1_780_000_000)

    struct CRLParts {
        var head = CRLEncoding.tbsHead(.init(algorithmIdentifier: RevocationLintTests.algorithm, issuerName: RevocationLintTests.issuer,
                                             thisUpdate: RevocationLintTests.now, nextUpdate: RevocationLintTests.now.addingTimeInterval(86400)))
        var extensions = CRLEncoding.extensions(number: 7, baseNumber: nil, authorityKeyIdentifier: RevocationLintTests.keyID, distributionPoint: "http://lint.example/crl/ca")
        var report: LintReport {
            CRLLint.header(head: head, tail: CRLEncoding.tbsTail(extensions: extensions), signatureAlgorithm: RevocationLintTests.algorithm)
        }
    }

    static func names(_ report: LintReport) -> [String] { report.findings.map(\.name) }

    @Test func wellFormedFullAndDeltaHeadersPass() {
        #expect(CRLParts().report.findings.isEmpty, "\(CRLParts().report.findings)")
        var delta = CRLParts()
        delta.extensions = CRLEncoding.extensions(number: 8, baseNumber: 7, authorityKeyIdentifier: Self.keyID, distributionPoint: "http://lint.example/crl/ca")
        #expect(delta.report.findings.isEmpty, "\(delta.report.findings)")
    }

    @Test func brokenHeadersAreFound() {
        let time = DERBytes.time(Self.now), generalized = DERBytes.generalizedTime(Self.now)
        let cases: [(String, (inout CRLParts) -> Void)] = [
            ("lint.crl.version", { $0.head = Array($0.head.dropFirst(3)) }),
            ("lint.crl.next_update_missing", { $0.head = DERBytes.integer(1) + Self.algorithm + Self.issuer + time }),
            ("lint.crl.time_encoding", { $0.head = DERBytes.integer(1) + Self.algorithm + Self.issuer + generalized + DERBytes.time(Self.now.addingTimeInterval(60)) }),
            ("lint.crl.update_order", { $0.head = DERBytes.integer(1) + Self.algorithm + Self.issuer + time + time }),
            ("lint.crl.issuer_empty", { $0.head = DERBytes.integer(1) + Self.algorithm + DERBytes.sequence() + time + DERBytes.time(Self.now.addingTimeInterval(60)) }),
            ("lint.crl.signature_algorithm_mismatch", { $0.head = DERBytes.integer(1) + DERBytes.sequence(DERBytes.oid([1, 2, 840, 10045, 4, 3, 3])) + Self.issuer + time + DERBytes.time(Self.now.addingTimeInterval(60)) }),
            ("lint.crl.aki_missing", { $0.extensions.removeFirst() }),
            ("lint.crl.number_missing", { $0.extensions.remove(at: 1) }),
            ("lint.crl.number_critical", { $0.extensions[1] = DERBytes.extension(CRLEncoding.crlNumberOID, critical: true, value: DERBytes.integer(7)) }),
            ("lint.crl.number_too_long", { $0.extensions[1] = DERBytes.extension(CRLEncoding.crlNumberOID, value: DERBytes.unsignedInteger([0x01] + Array(repeating: 0, count: 20))) }),
            ("lint.crl.aki_critical", { $0.extensions[0] = DERBytes.extension(CRLEncoding.authorityKeyIdentifierOID, critical: true, value: DERBytes.sequence(DERBytes.tlv(0x80, Self.keyID))) }),
            ("lint.crl.delta_not_critical", { $0.extensions.append(DERBytes.extension(CRLEncoding.deltaCRLIndicatorOID, value: DERBytes.integer(3))) }),
            ("lint.crl.base_number", { $0.extensions.append(DERBytes.extension(CRLEncoding.deltaCRLIndicatorOID, critical: true, value: DERBytes.integer(9))) }),
            ("lint.crl.idp_not_critical", { $0.extensions[2] = DERBytes.extension(CRLEncoding.issuingDistributionPointOID, value: PublicationExtensions.distributionPoint(uri: "http://lint.example/crl/ca")) }),
            ("lint.crl.idp_empty", { $0.extensions[2] = DERBytes.extension(CRLEncoding.issuingDistributionPointOID, critical: true, value: DERBytes.sequence()) }),
            ("lint.crl.ext.duplicate", { $0.extensions.append($0.extensions[1]) }),
            ("lint.crl.ext.empty_list", { $0.extensions = [] }),
            ("lint.crl.ext.unknown_critical", { $0.extensions.append(DERBytes.extension([1, 3, 6, 1, 4, 1, 99999, 2], critical: true, value: DERBytes.null)) }),
        ]
        for (expected, change) in cases {
            var parts = CRLParts()
            change(&parts)
            let report = parts.report
            #expect(!report.passed && Self.names(report).contains(expected), "\(expected): found \(report.findings)")
        }
    }

    static func entry(_ serial: String, reason: RevocationReason? = .keyCompromise) -> [UInt8] {
        CRLEncoding.entry(CRLEntry(serialNumber: serial, revokedAt: now, reason: reason, invalidityDate: now, removed: false), thisUpdate: now)
    }

    @Test func entriesAreCheckedAsTheyStream() {
        var lint = CRLEntryLint()
        for serial in ["40aa01", "40aa02", "7f" + String(repeating: "ab", count: 19)] { lint.check(Self.entry(serial)) }
        lint.check(Self.entry("40aa03", reason: .unspecified)) // the encoder omits unspecified
        #expect(lint.report.findings.isEmpty, "\(lint.report.findings)")
        #expect(lint.count == 4)

        let bad: [(String, [UInt8])] = [
            ("lint.crl.entry_duplicate", Self.entry("40aa01")),
            ("lint.crl.entry_serial_not_positive", DERBytes.sequence(DERBytes.tlv(0x02, [0x80, 0x01]), DERBytes.time(Self.now))),
            ("lint.crl.entry_serial_too_long", DERBytes.sequence(DERBytes.unsignedInteger([0x40] + Array(repeating: 1, count: 20)), DERBytes.time(Self.now))),
            ("lint.crl.entry_reason_unspecified", DERBytes.sequence(DERBytes.unsignedInteger([0x41]), DERBytes.time(Self.now),
                                                                   DERBytes.sequence(DERBytes.extension(CRLEncoding.reasonCodeOID, value: DERBytes.enumerated(0))))),
            ("lint.crl.entry_reason_invalid", DERBytes.sequence(DERBytes.unsignedInteger([0x42]), DERBytes.time(Self.now),
                                                               DERBytes.sequence(DERBytes.extension(CRLEncoding.reasonCodeOID, value: DERBytes.enumerated(7))))),
            ("lint.crl.entry_time_encoding", DERBytes.sequence(DERBytes.unsignedInteger([0x43]), DERBytes.generalizedTime(Self.now))),
            ("lint.crl.entry_invalidity_encoding", DERBytes.sequence(DERBytes.unsignedInteger([0x44]), DERBytes.time(Self.now),
                                                                    DERBytes.sequence(DERBytes.extension(CRLEncoding.invalidityDateOID, value: DERBytes.time(Self.now))))),
            ("lint.crl.entry_ext.duplicate", DERBytes.sequence(DERBytes.unsignedInteger([0x45]), DERBytes.time(Self.now), DERBytes.sequence(
                DERBytes.extension(CRLEncoding.reasonCodeOID, value: DERBytes.enumerated(1)), DERBytes.extension(CRLEncoding.reasonCodeOID, value: DERBytes.enumerated(1))))),
        ]
        for (expected, bytes) in bad {
            var one = lint
            one.check(bytes)
            #expect(Self.names(one.report) == [expected], "\(expected): found \(one.report.findings)")
        }
    }

    static let certID = DERBytes.sequence(DERBytes.sequence(DERBytes.oid([1, 3, 14, 3, 2, 26]), DERBytes.null),
                                          DERBytes.octetString(Array(repeating: 1, count: 20)), DERBytes.octetString(Array(repeating: 2, count: 20)), DERBytes.tlv(0x02, [0x40, 0x01]))

    static func responseData(status: OCSPCertStatus = .good, nextUpdate: Date = now.addingTimeInterval(3600), keyHash: [UInt8] = Array(repeating: 3, count: 20), extensions: [[UInt8]] = [], certID: [UInt8] = certID) -> [UInt8] {
        OCSPEncoding.responseData(responderKeyHash: keyHash, producedAt: now, responses: [OCSPEncoding.singleResponse(certID: certID, status: status, thisUpdate: now, nextUpdate: nextUpdate)], extensions: extensions)
    }

    @Test func ocspResponseData() {
        let nonce = DERBytes.extension([1, 3, 6, 1, 5, 5, 7, 48, 1, 2], value: DERBytes.octetString(Array(repeating: 9, count: 16)))
        for good in [Self.responseData(), Self.responseData(status: .revoked(at: Self.now, reason: .keyCompromise), extensions: [nonce]), Self.responseData(status: .unknown)] {
            #expect(OCSPLint.lint(responseData: good).findings.isEmpty, "\(OCSPLint.lint(responseData: good).findings)")
        }
        let single = OCSPEncoding.singleResponse(certID: Self.certID, status: .good, thisUpdate: Self.now, nextUpdate: Self.now)
        let bad: [(String, [UInt8])] = [
            ("lint.ocsp.update_order", Self.responseData(nextUpdate: Self.now.addingTimeInterval(-60))),
            ("lint.ocsp.responder_id", Self.responseData(keyHash: Array(repeating: 3, count: 19))),
            ("lint.ocsp.ext.duplicate", Self.responseData(extensions: [nonce, nonce])),
            ("lint.ocsp.cert_id", Self.responseData(certID: DERBytes.sequence(DERBytes.sequence(DERBytes.oid([1, 3, 14, 3, 2, 26]), DERBytes.null),
                                                                            DERBytes.octetString([1]), DERBytes.octetString([2]), DERBytes.tlv(0x02, [1])))),
            ("lint.ocsp.version", DERBytes.sequence(DERBytes.explicit(0, DERBytes.integer(0)), DERBytes.explicit(2, DERBytes.octetString(Array(repeating: 3, count: 20))),
                                                    DERBytes.generalizedTime(Self.now), DERBytes.sequence(single))),
            ("lint.ocsp.time_encoding", DERBytes.sequence(DERBytes.explicit(2, DERBytes.octetString(Array(repeating: 3, count: 20))), DERBytes.time(Self.now), DERBytes.sequence(single))),
            ("lint.ocsp.no_responses", DERBytes.sequence(DERBytes.explicit(2, DERBytes.octetString(Array(repeating: 3, count: 20))), DERBytes.generalizedTime(Self.now), DERBytes.sequence())),
            ("lint.ocsp.cert_status", DERBytes.sequence(DERBytes.explicit(2, DERBytes.octetString(Array(repeating: 3, count: 20))), DERBytes.generalizedTime(Self.now),
                                                        DERBytes.sequence(DERBytes.sequence(Self.certID, [0x83, 0x00], DERBytes.generalizedTime(Self.now))))),
        ]
        for (expected, bytes) in bad {
            let report = OCSPLint.lint(responseData: bytes)
            #expect(!report.passed && Self.names(report).contains(expected), "\(expected): found \(report.findings)")
        }
    }
}
