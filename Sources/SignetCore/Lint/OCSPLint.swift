import SwiftASN1

/// RFC 6960 4.2.1 rules over a ResponseData before it is signed: version left to its
/// default, a well-formed responderID, GeneralizedTime everywhere, well-formed CertIDs and
/// certStatus values, thisUpdate not after nextUpdate, extensions unique. Findings are
/// `lint.ocsp.*`.
public enum OCSPLint {
    static let hashLengths: [ASN1ObjectIdentifier: Int] = [
        [1, 3, 14, 3, 2, 26]: 20, [2, 16, 840, 1, 101, 3, 4, 2, 1]: 32,
        [2, 16, 840, 1, 101, 3, 4, 2, 2]: 48, [2, 16, 840, 1, 101, 3, 4, 2, 3]: 64,
    ]

    public static func lint(responseData: [UInt8]) -> LintReport {
        var report = LintReport()
        do { try rules(responseData, report: &report) } catch let error as LintStructureError {
            report.error("lint.der.malformed", "the ResponseData is not well-formed: \(error.message)")
        } catch {
            report.error("lint.der.malformed", "the ResponseData is not well-formed: \(error)")
        }
        return report
    }

    private static func rules(_ bytes: [UInt8], report: inout LintReport) throws {
        var fields = try LintDER.parse(bytes[...]).sequenceChildren("the ResponseData")[...]
        if let first = fields.first, first.isContext(0) {
            report.error("lint.ocsp.version", "the ResponseData encodes its version; DER omits the DEFAULT v1")
            fields = fields.dropFirst()
        }
        guard fields.count >= 3 else { throw LintStructureError("the ResponseData has \(fields.count) fields") }
        let responder = fields.removeFirst(), producedAt = fields.removeFirst(), responses = fields.removeFirst()
        if responder.isContext(2) {
            let hash = try responder.explicitInner("responderID byKey")
            if hash.identifier != .octetString || hash.bytes.count != 20 { report.error("lint.ocsp.responder_id", "responderID byKey must be the 20-octet SHA-1 hash of the responder's key") }
        } else if responder.isContext(1) {
            if try NameLint.name(try responder.explicitInner("responderID byName"), what: "responder name", report: &report) {
                report.error("lint.ocsp.responder_id", "responderID byName is an empty name")
            }
        } else {
            report.error("lint.ocsp.responder_id", "responderID is neither byName [1] nor byKey [2]")
        }
        _ = TimeLint.generalizedTime(producedAt, name: "lint.ocsp.time_encoding", what: "producedAt", report: &report)
        let singles = try responses.sequenceChildren("responses")
        if singles.isEmpty { report.error("lint.ocsp.no_responses", "the ResponseData answers no certificate") }
        for single in singles { try singleResponse(single, report: &report) }
        if let extensions = fields.first {
            guard extensions.isContext(1) else { throw LintStructureError("an unexpected field \(extensions.identifier) follows the responses") }
            let list = try ExtensionLint.list(try extensions.explicitInner("responseExtensions"), prefix: "lint.ocsp.ext", what: "OCSP response", report: &report)
            for extn in list where extn.oid == LintOID.ocspNonce {
                let nonce = try extn.parsedValue()
                if nonce.identifier != .octetString || nonce.bytes.isEmpty || nonce.bytes.count > 32 {
                    report.warning("lint.ocsp.nonce", "the nonce should be an OCTET STRING of 1 to 32 octets (RFC 8954)")
                }
            }
            for extn in list where extn.critical && extn.oid != LintOID.ocspNonce {
                report.error("lint.ocsp.ext.unknown_critical", "response extension \(extn.oid) is critical")
            }
        }
    }

    private static func singleResponse(_ node: ASN1Node, report: inout LintReport) throws {
        var fields = try node.sequenceChildren("a SingleResponse")[...]
        guard fields.count >= 3 else { throw LintStructureError("a SingleResponse has \(fields.count) fields") }
        let certID = try fields.removeFirst().sequenceChildren("a CertID")
        guard certID.count == 4 else { throw LintStructureError("a CertID has \(certID.count) fields") }
        let algorithm = try certID[0].sequenceChildren("the CertID hash algorithm")
        if let oid = try algorithm.first?.objectIdentifier("the CertID hash algorithm"), let length = hashLengths[oid] {
            if certID[1].identifier != .octetString || certID[1].bytes.count != length || certID[2].identifier != .octetString || certID[2].bytes.count != length {
                report.error("lint.ocsp.cert_id", "the CertID hashes are not \(length)-octet OCTET STRINGs for \(oid)")
            }
        } else {
            report.error("lint.ocsp.cert_id", "the CertID names an unknown hash algorithm")
        }
        if certID[3].identifier != .integer || certID[3].bytes.isEmpty { report.error("lint.ocsp.cert_id", "the CertID serial is not an INTEGER") }

        let status = fields.removeFirst()
        switch (status.identifier.tagClass, status.identifier.tagNumber, status.isConstructed) {
        case (.contextSpecific, 0, false), (.contextSpecific, 2, false):
            if !status.bytes.isEmpty { report.error("lint.ocsp.cert_status", "a good or unknown certStatus must be an empty NULL") }
        case (.contextSpecific, 1, true):
            let info = status.children
            if let time = info.first {
                _ = TimeLint.generalizedTime(time, name: "lint.ocsp.time_encoding", what: "revocationTime", report: &report)
            } else {
                report.error("lint.ocsp.cert_status", "RevokedInfo has no revocationTime")
            }
            if info.count > 1 {
                let reason = try info[1].isContext(0) ? info[1].explicitInner("revocationReason") : info[1]
                if reason.identifier != .enumerated || reason.bytes.count != 1 || reason.bytes.first! > 10 || reason.bytes.first! == 7 {
                    report.error("lint.ocsp.cert_status", "revocationReason is not a defined CRLReason")
                } else if reason.bytes.first! == 0 {
                    report.warning("lint.ocsp.reason_unspecified", "revocationReason unspecified is better omitted")
                }
            }
        default:
            report.error("lint.ocsp.cert_status", "certStatus has tag \(status.identifier), not good [0], revoked [1] or unknown [2]")
        }
        let thisUpdate = TimeLint.generalizedTime(fields.removeFirst(), name: "lint.ocsp.time_encoding", what: "thisUpdate", report: &report)
        for field in fields {
            if field.isContext(0) {
                let nextUpdate = TimeLint.generalizedTime(try field.explicitInner("nextUpdate"), name: "lint.ocsp.time_encoding", what: "nextUpdate", report: &report)
                if let thisUpdate, let nextUpdate, nextUpdate < thisUpdate {
                    report.error("lint.ocsp.update_order", "nextUpdate \(nextUpdate) is before thisUpdate \(thisUpdate)")
                }
            } else if field.isContext(1) {
                _ = try ExtensionLint.list(try field.explicitInner("singleExtensions"), prefix: "lint.ocsp.ext", what: "SingleResponse", report: &report)
            } else {
                throw LintStructureError("a SingleResponse has an unexpected field \(field.identifier)")
            }
        }
    }
}
