import SwiftASN1

/// A structural problem that stops a lint: the bytes are not the structure they should be.
struct LintStructureError: Error {
    let message: String
    init(_ message: String) { self.message = message }
}

/// Small readers over swift-asn1 nodes for the lint rules: they name what was expected
/// when the DER is not that.
extension ASN1Node {
    var children: [ASN1Node] {
        if case .constructed(let nodes) = content { return Array(nodes) }
        return []
    }

    var isConstructed: Bool {
        if case .constructed = content { return true }
        return false
    }

    var bytes: ArraySlice<UInt8> {
        if case .primitive(let bytes) = content { return bytes }
        return []
    }

    func isContext(_ number: UInt) -> Bool {
        identifier.tagClass == .contextSpecific && identifier.tagNumber == number
    }

    // `what` names the field in a structural error; it is built only when there is one.

    func expect(_ expected: ASN1Identifier, _ what: @autoclosure () -> String) throws {
        guard identifier == expected else { throw LintStructureError("\(what()) has tag \(identifier), not \(expected)") }
    }

    func sequenceChildren(_ what: @autoclosure () -> String) throws -> [ASN1Node] {
        try expect(.sequence, what())
        return children
    }

    func objectIdentifier(_ what: @autoclosure () -> String) throws -> ASN1ObjectIdentifier {
        do { return try ASN1ObjectIdentifier(derEncoded: self) } catch { throw LintStructureError("\(what()) is not an OBJECT IDENTIFIER") }
    }

    /// The only child of an EXPLICIT tag.
    func explicitInner(_ what: @autoclosure () -> String) throws -> ASN1Node {
        guard case .constructed(let nodes) = content else { throw LintStructureError("\(what()) is not one explicitly tagged value") }
        var iterator = nodes.makeIterator()
        guard let inner = iterator.next(), iterator.next() == nil else { throw LintStructureError("\(what()) is not one explicitly tagged value") }
        return inner
    }
}

enum LintDER {
    /// Parses one DER structure; a parse failure is the lint `lint.der.malformed`.
    static func parse(_ bytes: ArraySlice<UInt8>) throws -> ASN1Node {
        do { return try DER.parse(bytes) } catch { throw LintStructureError("not valid DER: \(error)") }
    }

    /// Lints an INTEGER that must be positive, minimal and at most 20 octets (serials, CRL numbers).
    static func positiveInteger(_ node: ASN1Node, prefix: String, what: @autoclosure () -> String, report: inout LintReport) {
        guard node.identifier == .integer, !node.bytes.isEmpty else {
            report.error("\(prefix)_malformed", "\(what()) is not an INTEGER")
            return
        }
        let bytes = node.bytes
        if bytes.count > 1, (bytes.first == 0x00 && bytes[bytes.startIndex + 1] & 0x80 == 0) || (bytes.first == 0xFF && bytes[bytes.startIndex + 1] & 0x80 != 0) {
            report.error("\(prefix)_not_minimal", "\(what()) is not minimally encoded (a redundant leading octet)")
        }
        if bytes.first! & 0x80 != 0 {
            report.error("\(prefix)_not_positive", "\(what()) is negative")
        } else if bytes.allSatisfy({ $0 == 0 }) {
            report.error("\(prefix)_not_positive", "\(what()) is zero")
        }
        if bytes.count > 20 {
            report.error("\(prefix)_too_long", "\(what()) has \(bytes.count) octets; at most 20 are allowed")
        }
    }
}

/// Object identifiers the lint rules know.
enum LintOID {
    static let rsaEncryption: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 1, 1]
    static let ecPublicKey: ASN1ObjectIdentifier = [1, 2, 840, 10045, 2, 1]
    static let ed25519: ASN1ObjectIdentifier = [1, 3, 101, 112]

    static let subjectKeyIdentifier: ASN1ObjectIdentifier = [2, 5, 29, 14]
    static let keyUsage: ASN1ObjectIdentifier = [2, 5, 29, 15]
    static let subjectAltName: ASN1ObjectIdentifier = [2, 5, 29, 17]
    static let issuerAltName: ASN1ObjectIdentifier = [2, 5, 29, 18]
    static let basicConstraints: ASN1ObjectIdentifier = [2, 5, 29, 19]
    static let crlNumber: ASN1ObjectIdentifier = [2, 5, 29, 20]
    static let reasonCode: ASN1ObjectIdentifier = [2, 5, 29, 21]
    static let invalidityDate: ASN1ObjectIdentifier = [2, 5, 29, 24]
    static let deltaCRLIndicator: ASN1ObjectIdentifier = [2, 5, 29, 27]
    static let issuingDistributionPoint: ASN1ObjectIdentifier = [2, 5, 29, 28]
    static let certificateIssuer: ASN1ObjectIdentifier = [2, 5, 29, 29]
    static let nameConstraints: ASN1ObjectIdentifier = [2, 5, 29, 30]
    static let crlDistributionPoints: ASN1ObjectIdentifier = [2, 5, 29, 31]
    static let certificatePolicies: ASN1ObjectIdentifier = [2, 5, 29, 32]
    static let policyMappings: ASN1ObjectIdentifier = [2, 5, 29, 33]
    static let authorityKeyIdentifier: ASN1ObjectIdentifier = [2, 5, 29, 35]
    static let policyConstraints: ASN1ObjectIdentifier = [2, 5, 29, 36]
    static let extendedKeyUsage: ASN1ObjectIdentifier = [2, 5, 29, 37]
    static let freshestCRL: ASN1ObjectIdentifier = [2, 5, 29, 46]
    static let inhibitAnyPolicy: ASN1ObjectIdentifier = [2, 5, 29, 54]
    static let authorityInfoAccess: ASN1ObjectIdentifier = [1, 3, 6, 1, 5, 5, 7, 1, 1]
    static let ocspNoCheck: ASN1ObjectIdentifier = [1, 3, 6, 1, 5, 5, 7, 48, 1, 5]
    static let ocspNonce: ASN1ObjectIdentifier = [1, 3, 6, 1, 5, 5, 7, 48, 1, 2]

    static let anyExtendedKeyUsage: ASN1ObjectIdentifier = [2, 5, 29, 37, 0]
    static let ocspSigning: ASN1ObjectIdentifier = [1, 3, 6, 1, 5, 5, 7, 3, 9]
    static let timeStamping: ASN1ObjectIdentifier = [1, 3, 6, 1, 5, 5, 7, 3, 8]
}
