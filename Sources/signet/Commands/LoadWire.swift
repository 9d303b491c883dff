import Crypto
import Foundation
import SwiftASN1
import X509

/// What the load client reads and writes on the wire without the server's code: the
/// certificate in an EST certs-only answer, and an OCSP request and the status in its answer.
/// Kept independent of SignetEST and SignetCore so that a bug there cannot hide itself.
enum LoadWire {
    /// The first certificate in a base64 certs-only PKCS#7 (RFC 7030 §4.2.3).
    static func certificate(fromCertsOnly body: [UInt8]) throws -> Certificate {
        let text = String(decoding: body, as: UTF8.self).filter { !$0.isWhitespace }
        guard let der = Data(base64Encoded: text) else { throw LoadError("the EST answer is not base64") }
        // ContentInfo { contentType, [0] { SignedData { version, digestAlgorithms,
        // encapContentInfo, [0] IMPLICIT certificates, ... } } }
        let root = try DER.parse(Array(der))
        guard case .constructed(let info) = root.content, let explicit = Array(info).dropFirst().first,
              case .constructed(let wrapped) = explicit.content, let signedData = Array(wrapped).first,
              case .constructed(let fields) = signedData.content else { throw LoadError("the EST answer is not a SignedData") }
        for field in fields where field.identifier == ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific) {
            guard case .constructed(let certificates) = field.content, let first = Array(certificates).first else { break }
            return try Certificate(derEncoded: first.encodedBytes)
        }
        throw LoadError("the EST answer holds no certificate")
    }

    /// A DER OCSP request for one certificate of `issuer` (SHA-1 CertID, as RFC 5019 clients send).
    static func ocspRequest(serial: Certificate.SerialNumber, issuer: Certificate) throws -> [UInt8] {
        var nameSerializer = DER.Serializer()
        try nameSerializer.serialize(issuer.subject)
        let nameHash = Array(Insecure.SHA1.hash(data: nameSerializer.serializedBytes))
        let keyHash = Array(Insecure.SHA1.hash(data: try subjectPublicKeyBits(of: issuer)))
        var serializer = DER.Serializer()
        try serializer.appendConstructedNode(identifier: .sequence) { request in // OCSPRequest
            try request.appendConstructedNode(identifier: .sequence) { tbs in // TBSRequest
                try tbs.appendConstructedNode(identifier: .sequence) { list in // requestList
                    try list.appendConstructedNode(identifier: .sequence) { single in // Request
                        try single.appendConstructedNode(identifier: .sequence) { certID in
                            try certID.appendConstructedNode(identifier: .sequence) { algorithm in
                                try algorithm.serialize(ASN1ObjectIdentifier(dotRepresentation: "1.3.14.3.2.26"))
                                try algorithm.serialize(ASN1Null())
                            }
                            try certID.serialize(ASN1OctetString(contentBytes: nameHash[...]))
                            try certID.serialize(ASN1OctetString(contentBytes: keyHash[...]))
                            try certID.serialize(ArraySlice(serial.bytes))
                        }
                    }
                }
            }
        }
        return serializer.serializedBytes
    }

    enum CertificateStatus: String { case good, revoked, unknown }

    /// The status of the first SingleResponse of a successful OCSP answer.
    static func ocspStatus(_ response: [UInt8]) throws -> CertificateStatus {
        func children(_ node: ASN1Node) throws -> [ASN1Node] {
            guard case .constructed(let nodes) = node.content else { throw LoadError("the OCSP answer is malformed") }
            return Array(nodes)
        }
        let outer = try children(try DER.parse(response)) // OCSPResponse
        guard let status = outer.first, case .primitive(let code) = status.content else { throw LoadError("the OCSP answer has no status") }
        guard code == [0] else { throw LoadError("the OCSP answer's status is \(Array(code)), not successful") }
        guard outer.count == 2, let bytes = try children(outer[1]).first, try children(bytes).count == 2 else { throw LoadError("the OCSP answer has no response bytes") }
        let basic = try ASN1OctetString(derEncoded: try children(bytes)[1].encodedBytes)
        let tbs = try children(try DER.parse(basic.bytes)).first.map(children) ?? []
        // ResponseData: [0] version?, responderID, producedAt, responses, [1] extensions?
        guard let responses = tbs.first(where: { $0.identifier == .sequence }), let single = try children(responses).first,
              let certStatus = try children(single).dropFirst().first else { throw LoadError("the OCSP answer holds no SingleResponse") }
        switch certStatus.identifier.tagNumber {
        case 0: return .good
        case 1: return .revoked
        default: return .unknown
        }
    }

    /// The BIT STRING of the issuer's SubjectPublicKeyInfo (what an OCSP issuerKeyHash hashes).
    private static func subjectPublicKeyBits(of certificate: Certificate) throws -> [UInt8] {
        var serializer = DER.Serializer()
        try serializer.serialize(certificate)
        let root = try DER.parse(serializer.serializedBytes)
        guard case .constructed(let outer) = root.content, let tbs = Array(outer).first, case .constructed(let fields) = tbs.content else {
            throw LoadError("the issuer certificate is malformed")
        }
        // TBSCertificate: [0] version, serial, signature, issuer, validity, subject, SPKI.
        let list = Array(fields)
        let offset = list.first?.identifier.tagClass == .contextSpecific ? 1 : 0
        guard list.count > offset + 5, case .constructed(let spki) = list[offset + 5].content, let bits = Array(spki).dropFirst().first else {
            throw LoadError("the issuer certificate has no subject public key")
        }
        return Array(try ASN1BitString(derEncoded: bits.encodedBytes).bytes)
    }
}
