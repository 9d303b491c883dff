import Crypto
import SwiftASN1

/// RFC 5280 section 5 rules over a TBSCertList. A CRL is linted in two parts so that a CRL of
/// any size is never held whole: `header` checks the fields around the entries (version,
/// algorithm, issuer, dates, CRL extensions) and `CRLEntryLint` checks the entries one by one
/// as they are encoded. Findings are `lint.crl.*`.
public enum CRLLint {
    /// Lints the TBSCertList fields before the entries (`head`: version, signature, issuer,
    /// thisUpdate, nextUpdate, as consecutive TLVs) and after them (`tail`: `[0]` extensions).
    public static func header(head: [UInt8], tail: [UInt8], signatureAlgorithm: [UInt8]?) -> LintReport {
        var report = LintReport()
        do {
            let fields = try LintDER.parse(DERBytes.sequence(head, tail)[...]).children
            try rules(fields, signatureAlgorithm: signatureAlgorithm, report: &report)
        } catch let error as LintStructureError {
            report.error("lint.der.malformed", "the TBSCertList is not well-formed: \(error.message)")
        } catch {
            report.error("lint.der.malformed", "the TBSCertList is not well-formed: \(error)")
        }
        return report
    }

    /// Lints a whole CertificateList (for tests and checks of stored CRLs).
    public static func lint(crl der: [UInt8]) -> LintReport {
        var report = LintReport()
        do {
            let outer = try LintDER.parse(der[...]).sequenceChildren("the CertificateList")
            guard outer.count == 3 else { throw LintStructureError("the CertificateList has \(outer.count) fields") }
            var fields = try outer[0].sequenceChildren("the TBSCertList")
            if let index = fields.firstIndex(where: { $0.identifier == .sequence && $0.children.first?.identifier == .sequence }) {
                let entries = fields.remove(at: index)
                var entryLint = CRLEntryLint()
                if entries.children.isEmpty { report.error("lint.crl.empty_revoked_list", "revokedCertificates is present but empty; omit it instead") }
                for entry in entries.children { entryLint.check(entry.encodedBytes) }
                report.merge(entryLint.report)
            }
            try rules(fields, signatureAlgorithm: Array(outer[1].encodedBytes), report: &report)
        } catch let error as LintStructureError {
            report.error("lint.der.malformed", "the CRL is not well-formed: \(error.message)")
        } catch {
            report.error("lint.der.malformed", "the CRL is not well-formed: \(error)")
        }
        return report
    }

    private static func rules(_ fields: [ASN1Node], signatureAlgorithm: [UInt8]?, report: inout LintReport) throws {
        var rest = fields[...]
        if let version = rest.first, version.identifier == .integer {
            if version.bytes != [1] { report.error("lint.crl.version", "a CRL with extensions must be version v2 (INTEGER 1)") }
            rest = rest.dropFirst()
        } else {
            report.error("lint.crl.version", "the version is missing; a CRL with extensions must be v2")
        }
        guard rest.count >= 3 else { throw LintStructureError("the TBSCertList has too few fields") }
        let algorithm = rest.removeFirst(), issuer = rest.removeFirst(), thisUpdateNode = rest.removeFirst()
        try algorithm.expect(.sequence, "the signature algorithm")
        if let signatureAlgorithm, Array(algorithm.encodedBytes) != signatureAlgorithm {
            report.error("lint.crl.signature_algorithm_mismatch", "the TBSCertList signature algorithm differs from the one beside the signature")
        }
        if try NameLint.name(issuer, what: "CRL issuer", report: &report) { report.error("lint.crl.issuer_empty", "the CRL issuer name is empty") }
        let thisUpdate = TimeLint.time(thisUpdateNode, name: "lint.crl.time_encoding", what: "thisUpdate", report: &report)
        if let next = rest.first, next.identifier == .utcTime || next.identifier == .generalizedTime {
            rest = rest.dropFirst()
            let nextUpdate = TimeLint.time(next, name: "lint.crl.time_encoding", what: "nextUpdate", report: &report)
            if let thisUpdate, let nextUpdate, nextUpdate <= thisUpdate {
                report.error("lint.crl.update_order", "nextUpdate \(nextUpdate) is not after thisUpdate \(thisUpdate)")
            }
        } else {
            report.error("lint.crl.next_update_missing", "conforming CRL issuers must include nextUpdate")
        }
        guard let tail = rest.first, tail.isContext(0) else {
            report.error("lint.crl.aki_missing", "the CRL has no extensions, so neither authorityKeyIdentifier nor cRLNumber")
            return
        }
        let extensions = try ExtensionLint.list(try tail.explicitInner("crlExtensions"), prefix: "lint.crl.ext", what: "CRL", report: &report)
        try extensionRules(extensions, report: &report)
    }

    private static func extensionRules(_ extensions: [LintExtension], report: inout LintReport) throws {
        func find(_ oid: ASN1ObjectIdentifier) -> LintExtension? { extensions.first { $0.oid == oid } }
        let understood: Set<ASN1ObjectIdentifier> = [LintOID.deltaCRLIndicator, LintOID.issuingDistributionPoint]
        for unknown in extensions where unknown.critical && !understood.contains(unknown.oid) {
            report.error("lint.crl.ext.unknown_critical", "CRL extension \(unknown.oid) is critical, but relying parties cannot be expected to process it")
        }
        if let aki = find(LintOID.authorityKeyIdentifier) {
            if aki.critical { report.error("lint.crl.aki_critical", "authorityKeyIdentifier must not be critical") }
            if try !aki.parsedValue().sequenceChildren("authorityKeyIdentifier").contains(where: { $0.isContext(0) }) {
                report.error("lint.crl.aki_missing", "authorityKeyIdentifier has no keyIdentifier")
            }
        } else {
            report.error("lint.crl.aki_missing", "a CRL must have authorityKeyIdentifier")
        }
        var number: ArraySlice<UInt8>?
        if let crlNumber = find(LintOID.crlNumber) {
            if crlNumber.critical { report.error("lint.crl.number_critical", "cRLNumber must not be critical") }
            let node = try crlNumber.parsedValue()
            number = nonNegative(node, name: "lint.crl.number", what: "cRLNumber", report: &report)
        } else {
            report.error("lint.crl.number_missing", "a CRL must have cRLNumber")
        }
        if let delta = find(LintOID.deltaCRLIndicator) {
            if !delta.critical { report.error("lint.crl.delta_not_critical", "deltaCRLIndicator must be critical") }
            let base = nonNegative(try delta.parsedValue(), name: "lint.crl.base_number", what: "the delta's BaseCRLNumber", report: &report)
            if let base, let number, compare(base, number) >= 0 {
                report.error("lint.crl.base_number", "the delta's base CRL number is not below its own cRLNumber")
            }
        }
        if let idp = find(LintOID.issuingDistributionPoint) {
            if !idp.critical { report.error("lint.crl.idp_not_critical", "issuingDistributionPoint must be critical") }
            let fields = try idp.parsedValue().sequenceChildren("issuingDistributionPoint")
            if fields.isEmpty { report.error("lint.crl.idp_empty", "issuingDistributionPoint is an empty sequence") }
            let scopes = fields.filter { [1, 2, 5].contains($0.identifier.tagNumber) && $0.identifier.tagClass == .contextSpecific && !$0.isConstructed }
            if scopes.count > 1 { report.error("lint.crl.idp_scope", "issuingDistributionPoint sets more than one of onlyContainsUserCerts, onlyContainsCACerts, onlyContainsAttributeCerts") }
            if scopes.contains(where: { $0.bytes != [0xFF] }) { report.error("lint.crl.idp_scope", "issuingDistributionPoint encodes a DEFAULT FALSE flag") }
            if let point = fields.first(where: { $0.isContext(0) }), let fullName = point.children.first, fullName.isContext(0) {
                for name in fullName.children { GeneralNameLint.generalName(name, name: "lint.crl.idp_name", what: "issuingDistributionPoint", report: &report) }
            }
        }
    }

    /// A non-negative, minimal INTEGER of at most 20 octets; returns its content.
    static func nonNegative(_ node: ASN1Node, name: String, what: String, report: inout LintReport) -> ArraySlice<UInt8>? {
        guard node.identifier == .integer, let first = node.bytes.first else { report.error("\(name)_malformed", "\(what) is not an INTEGER"); return nil }
        let bytes = node.bytes
        if first & 0x80 != 0 { report.error("\(name)_negative", "\(what) is negative") }
        if bytes.count > 1, first == 0, bytes[bytes.startIndex + 1] & 0x80 == 0 { report.error("\(name)_not_minimal", "\(what) is not minimally encoded") }
        if bytes.count > 20 { report.error("\(name)_too_long", "\(what) has \(bytes.count) octets; at most 20 are allowed") }
        return bytes
    }

    private static func compare(_ a: ArraySlice<UInt8>, _ b: ArraySlice<UInt8>) -> Int {
        if a.count != b.count { return a.count < b.count ? -1 : 1 }
        for (x, y) in zip(a, b) where x != y { return x < y ? -1 : 1 }
        return 0
    }
}

/// Checks `revokedCertificates` entries one at a time as a CRL streams out: serial rules, the
/// revocation date's encoding, the entry extensions, and that no serial appears twice. It
/// keeps one 16-octet key per entry (the serial itself for serials up to 16 octets, which is
/// every Signet serial; a SHA-256 prefix beyond), never the entries.
public struct CRLEntryLint: Sendable {
    public private(set) var report = LintReport()
    private var seen: Set<SerialKey> = []
    public private(set) var count = 0
    /// Findings kept for a CRL; past this, entries are still checked but not described.
    static let findingLimit = 32

    public init() {}

    struct SerialKey: Hashable, Sendable {
        let high: UInt64, low: UInt64, length: UInt8

        init(_ serial: ArraySlice<UInt8>) {
            var bytes = Array(serial)
            if bytes.count > 16 { bytes = Array(SHA256.hash(data: bytes).prefix(16)) }
            length = UInt8(serial.count)
            bytes = [UInt8](repeating: 0, count: 16 - bytes.count) + bytes
            high = bytes[0..<8].reduce(0) { $0 << 8 | UInt64($1) }
            low = bytes[8..<16].reduce(0) { $0 << 8 | UInt64($1) }
        }
    }

    public mutating func check(_ entry: [UInt8]) { check(entry[...]) }

    public mutating func check(_ entry: ArraySlice<UInt8>) {
        count += 1
        var entryReport = LintReport()
        do {
            let fields = try LintDER.parse(entry).sequenceChildren("a revokedCertificates entry")
            guard fields.count == 2 || fields.count == 3 else { throw LintStructureError("a revokedCertificates entry has \(fields.count) fields") }
            LintDER.positiveInteger(fields[0], prefix: "lint.crl.entry_serial", what: "a revoked serial", report: &entryReport)
            if !seen.insert(SerialKey(fields[0].bytes)).inserted {
                entryReport.error("lint.crl.entry_duplicate", "serial \(fields[0].bytes.lowercaseHex) is listed twice")
            }
            _ = TimeLint.time(fields[1], name: "lint.crl.entry_time_encoding", what: "a revocationDate", report: &entryReport)
            if fields.count == 3 {
                let extensions = try ExtensionLint.list(fields[2], prefix: "lint.crl.entry_ext", what: "CRL entry", report: &entryReport)
                try Self.extensionRules(extensions, report: &entryReport)
            }
        } catch let error as LintStructureError {
            entryReport.error("lint.der.malformed", "a revokedCertificates entry is not well-formed: \(error.message)")
        } catch {
            entryReport.error("lint.der.malformed", "a revokedCertificates entry is not well-formed: \(error)")
        }
        if report.findings.count < Self.findingLimit { report.merge(entryReport) }
        else if !entryReport.passed && report.passed { report.merge(entryReport) }
    }

    private static func extensionRules(_ extensions: [LintExtension], report: inout LintReport) throws {
        for extn in extensions {
            switch extn.oid {
            case LintOID.reasonCode:
                if extn.critical { report.error("lint.crl.entry_reason_critical", "reasonCode must not be critical") }
                let node = try extn.parsedValue()
                guard node.identifier == .enumerated, node.bytes.count == 1, let value = node.bytes.first, value <= 10, value != 7 else {
                    report.error("lint.crl.entry_reason_invalid", "reasonCode is not a defined CRLReason")
                    continue
                }
                if value == 0 { report.error("lint.crl.entry_reason_unspecified", "reasonCode unspecified must be omitted, not encoded") }
            case LintOID.invalidityDate:
                if extn.critical { report.error("lint.crl.entry_invalidity_critical", "invalidityDate must not be critical") }
                _ = TimeLint.generalizedTime(try extn.parsedValue(), name: "lint.crl.entry_invalidity_encoding", what: "invalidityDate", report: &report)
            case LintOID.certificateIssuer:
                break
            default:
                if extn.critical { report.error("lint.crl.entry_ext.unknown_critical", "CRL entry extension \(extn.oid) is critical and unknown") }
            }
        }
    }
}
