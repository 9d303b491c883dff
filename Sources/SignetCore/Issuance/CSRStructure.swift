import SwiftASN1

/// The parts of a PKCS#10 request that the gate judges before any library interprets them,
/// read straight from the DER: its version, attribute and extension identifiers, the proof of
/// possession's algorithm, the RSA exponent and the subject's raw attribute values.
///
/// Parsing libraries are lenient in ways a CA must not be (a second extension request, a
/// version 3 request, a UTF8String that is not UTF-8 all pass them), so these are refused here.
struct CSRStructure {
    struct SubjectAttribute {
        let type: ASN1ObjectIdentifier
        /// The ASN.1 string type's universal tag number (12 UTF8String, 19 PrintableString, …).
        let tag: UInt
        let bytes: ArraySlice<UInt8>
        /// How many attributes the RDN that holds it has (more than one: multi-valued).
        let rdnSize: Int
    }

    let version: Int
    let subject: [SubjectAttribute]
    let subjectDERSize: Int
    let signatureAlgorithm: ASN1ObjectIdentifier
    /// The key as policy judges it, read before any library refuses a weak key.
    let keyKind: PublicKeyKind
    /// The RSA public exponent's big-endian octets, for RSA keys.
    let rsaExponent: ArraySlice<UInt8>?

    static let extensionRequest: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 9, 14]
    static let challengePassword: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 9, 7]

    /// What is wrong with the request's structure.
    enum Problem: Error {
        /// The DER is not shaped like a CertificationRequest at all (a certificate, say).
        case notARequest(String)
        /// A request, but one that breaks PKCS#10's rules.
        case malformed(String)
    }

    init(der: [UInt8]) throws {
        let root = try DER.parse(der)
        guard case .constructed(let request) = root.content else { throw Problem.notARequest("the request is not a SEQUENCE") }
        let parts = Array(request)
        guard parts.count == 3, case .constructed(let infoNodes) = parts[0].content else {
            throw Problem.notARequest("a CertificationRequest has exactly three parts: info, algorithm, signature")
        }
        let info = Array(infoNodes)
        guard info.count == 4 else {
            throw Problem.notARequest("CertificationRequestInfo must hold version, subject, key and [0] attributes; it has \(info.count) parts")
        }
        version = try Int(derEncoded: info[0])
        (subject, subjectDERSize) = try Self.subjectAttributes(info[1])
        keyKind = try PublicKeyKind(spki: info[2])
        rsaExponent = try Self.rsaExponent(spki: info[2])
        try Self.checkAttributes(info[3])
        guard case .constructed(let algorithm) = parts[1].content, let oid = algorithm.first(where: { _ in true }) else {
            throw Problem.malformed("the signature algorithm is not an AlgorithmIdentifier")
        }
        signatureAlgorithm = try ASN1ObjectIdentifier(derEncoded: oid)
    }

    private static func subjectAttributes(_ name: ASN1Node) throws -> ([SubjectAttribute], Int) {
        guard case .constructed(let rdns) = name.content else { throw Problem.malformed("the subject is not a SEQUENCE of RDNs") }
        var attributes: [SubjectAttribute] = []
        for rdn in rdns {
            guard case .constructed(let members) = rdn.content, rdn.identifier == .set else {
                throw Problem.malformed("a subject RDN is not a SET")
            }
            let pairs = Array(members)
            guard !pairs.isEmpty else { throw Problem.malformed("the subject has an empty RDN") }
            for pair in pairs {
                guard case .constructed(let typeAndValue) = pair.content else { throw Problem.malformed("a subject attribute is not a SEQUENCE") }
                let fields = Array(typeAndValue)
                guard fields.count == 2, case .primitive(let bytes) = fields[1].content, fields[1].identifier.tagClass == .universal else {
                    throw Problem.malformed("a subject attribute is not a type and a string value")
                }
                attributes.append(SubjectAttribute(
                    type: try ASN1ObjectIdentifier(derEncoded: fields[0]),
                    tag: fields[1].identifier.tagNumber,
                    bytes: bytes,
                    rdnSize: pairs.count
                ))
            }
        }
        return (attributes, name.encodedBytes.count)
    }

    /// Each attribute type once, each with one value; one extension request whose extensions
    /// are each present once.
    private static func checkAttributes(_ node: ASN1Node) throws {
        guard node.identifier == ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific), case .constructed(let attributes) = node.content else {
            throw Problem.malformed("the request's attributes are not a [0] SET")
        }
        var seen: Set<ASN1ObjectIdentifier> = []
        for attribute in attributes {
            guard case .constructed(let fields) = attribute.content else { throw Problem.malformed("an attribute is not a SEQUENCE") }
            let parts = Array(fields)
            guard parts.count == 2, case .constructed(let values) = parts[1].content else {
                throw Problem.malformed("an attribute is not a type and a SET of values")
            }
            let type = try ASN1ObjectIdentifier(derEncoded: parts[0])
            guard seen.insert(type).inserted else { throw Problem.malformed("attribute \(type) appears more than once") }
            let valueList = Array(values)
            if type == extensionRequest || type == challengePassword {
                guard valueList.count == 1 else { throw Problem.malformed("attribute \(type) must have exactly one value, it has \(valueList.count)") }
            }
            if type == extensionRequest { try checkExtensions(valueList[0]) }
        }
    }

    private static func checkExtensions(_ node: ASN1Node) throws {
        guard case .constructed(let extensions) = node.content else { throw Problem.malformed("the extension request is not a SEQUENCE") }
        var seen: Set<ASN1ObjectIdentifier> = []
        var count = 0
        for item in extensions {
            guard case .constructed(let fields) = item.content, let first = fields.first(where: { _ in true }) else {
                throw Problem.malformed("a requested extension is not a SEQUENCE")
            }
            let oid = try ASN1ObjectIdentifier(derEncoded: first)
            guard seen.insert(oid).inserted else { throw Problem.malformed("extension \(oid) is requested more than once") }
            count += 1
        }
        guard count > 0 else { throw Problem.malformed("the extension request is empty") }
    }

    private static func rsaExponent(spki: ASN1Node) throws -> ArraySlice<UInt8>? {
        guard case .constructed(let members) = spki.content else { return nil }
        let parts = Array(members)
        guard parts.count == 2, case .constructed(let algorithm) = parts[0].content, let oidNode = algorithm.first(where: { _ in true }),
              try ASN1ObjectIdentifier(derEncoded: oidNode) == PublicKeyKind.rsaEncryption else { return nil }
        let bits = try ASN1BitString(derEncoded: parts[1])
        guard case .constructed(let numbers) = try DER.parse(Array(bits.bytes)).content else {
            throw Problem.malformed("the RSA public key is not a SEQUENCE")
        }
        let integers = Array(numbers)
        guard integers.count == 2 else { throw Problem.malformed("an RSA public key holds a modulus and an exponent") }
        return try ArraySlice<UInt8>(derEncoded: integers[1])
    }
}
