import Crypto
import Foundation
import SwiftASN1

/// The hash algorithms a CertID may name.
public enum OCSPHashAlgorithm: String, Sendable, CaseIterable {
    case sha1, sha256, sha384, sha512

    var oid: ASN1ObjectIdentifier {
        switch self {
        case .sha1: [1, 3, 14, 3, 2, 26]
        case .sha256: [2, 16, 840, 1, 101, 3, 4, 2, 1]
        case .sha384: [2, 16, 840, 1, 101, 3, 4, 2, 2]
        case .sha512: [2, 16, 840, 1, 101, 3, 4, 2, 3]
        }
    }

    var digestLength: Int {
        switch self {
        case .sha1: 20
        case .sha256: 32
        case .sha384: 48
        case .sha512: 64
        }
    }

    func digest(_ bytes: [UInt8]) -> [UInt8] {
        switch self {
        case .sha1: Array(Insecure.SHA1.hash(data: bytes))
        case .sha256: Array(SHA256.hash(data: bytes))
        case .sha384: Array(SHA384.hash(data: bytes))
        case .sha512: Array(SHA512.hash(data: bytes))
        }
    }
}

/// One CertID of a request, with its own encoding (echoed unchanged in the response).
public struct OCSPCertID: Sendable, Hashable {
    public let hashAlgorithm: OCSPHashAlgorithm
    public let issuerNameHash: [UInt8]
    public let issuerKeyHash: [UInt8]
    /// Lowercase hex of the serial's INTEGER content, as serials are stored.
    public let serialNumber: String
    let encoded: [UInt8]
}

/// What an OCSPRequest (RFC 6960 4.1) asks.
public struct OCSPRequestInfo: Sendable, Hashable {
    public let certIDs: [OCSPCertID]
    /// The nonce extension exactly as received (RFC 8954), to echo.
    public let nonceExtension: [UInt8]?
}

/// Why a request could not be read; answered with `malformedRequest`.
public struct OCSPRequestError: Error, Sendable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// Reads OCSP requests. Signed requests are accepted but their signature is not used:
/// the responder answers anyone (status is public information).
public enum OCSPRequestReader {
    static let nonceOID: ASN1ObjectIdentifier = [1, 3, 6, 1, 5, 5, 7, 48, 1, 2]
    /// RFC 5019 clients send one CertID; a few more are allowed, not hundreds.
    static let maximumCertIDs = 16
    /// RFC 8954 2.1: a nonce of 1 to 32 octets.
    static let maximumNonceLength = 32

    /// The DER of a GET request's path segment (RFC 6960 appendix A.1: the URL encoding of
    /// the base64 of the DER), or nil when the segment is not that.
    public static func der(getPath encoded: Substring) -> [UInt8]? {
        guard let text = String(encoded).removingPercentEncoding, let der = Data(base64Encoded: text) else { return nil }
        return Array(der)
    }

    public static func read(_ der: [UInt8]) throws -> OCSPRequestInfo {
        let root: ASN1Node
        do { root = try DER.parse(der) } catch { throw OCSPRequestError("not DER: \(error)") }
        guard root.encodedBytes.count == der.count else { throw OCSPRequestError("trailing bytes after the request") }
        let request = try children(root, "OCSPRequest")
        guard let tbs = request.first else { throw OCSPRequestError("OCSPRequest is empty") }
        var nodes = try children(tbs, "TBSRequest")[...]
        if let first = nodes.first, first.identifier == ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific) {
            let version = try children(first, "version")
            guard version.count == 1, case .primitive(let value) = version[0].content, Array(value) == [0] else {
                throw OCSPRequestError("unsupported request version")
            }
            nodes = nodes.dropFirst()
        }
        if let first = nodes.first, first.identifier == ASN1Identifier(tagWithNumber: 1, tagClass: .contextSpecific) {
            nodes = nodes.dropFirst() // requestorName
        }
        guard let list = nodes.first, list.identifier == .sequence else { throw OCSPRequestError("requestList is missing") }
        nodes = nodes.dropFirst()
        let requests = try children(list, "requestList")
        guard !requests.isEmpty else { throw OCSPRequestError("requestList is empty") }
        guard requests.count <= maximumCertIDs else { throw OCSPRequestError("more than \(maximumCertIDs) certificates in one request") }
        let certIDs = try requests.map { single in
            let parts = try children(single, "Request")
            guard let certID = parts.first else { throw OCSPRequestError("Request has no CertID") }
            return try readCertID(certID)
        }
        var nonce: [UInt8]?
        if let extensionsNode = nodes.first, extensionsNode.identifier == ASN1Identifier(tagWithNumber: 2, tagClass: .contextSpecific) {
            let wrapped = try children(extensionsNode, "requestExtensions")
            guard wrapped.count == 1 else { throw OCSPRequestError("requestExtensions is malformed") }
            for ext in try children(wrapped[0], "Extensions") {
                let fields = try children(ext, "Extension")
                guard let oidNode = fields.first, let oid = try? ASN1ObjectIdentifier(derEncoded: oidNode) else {
                    throw OCSPRequestError("an extension has no identifier")
                }
                guard oid == nonceOID else { continue }
                guard case .primitive(let value) = fields.last?.content else { throw OCSPRequestError("the nonce extension has no value") }
                let length = (try? DER.parse(Array(value))).flatMap { node -> Int? in
                    if case .primitive(let inner) = node.content, node.identifier == .octetString { return inner.count }
                    return nil
                } ?? value.count
                guard (1...maximumNonceLength).contains(length) else {
                    throw OCSPRequestError("the nonce must be 1 to \(maximumNonceLength) octets (RFC 8954), got \(length)")
                }
                nonce = Array(ext.encodedBytes)
            }
        }
        return OCSPRequestInfo(certIDs: certIDs, nonceExtension: nonce)
    }

    static func readCertID(_ node: ASN1Node) throws -> OCSPCertID {
        let fields = try children(node, "CertID")
        guard fields.count == 4 else { throw OCSPRequestError("CertID must have 4 fields") }
        let algorithm = try children(fields[0], "hashAlgorithm")
        guard let oidNode = algorithm.first, let oid = try? ASN1ObjectIdentifier(derEncoded: oidNode) else {
            throw OCSPRequestError("CertID hashAlgorithm has no identifier")
        }
        guard let hash = OCSPHashAlgorithm.allCases.first(where: { $0.oid == oid }) else {
            throw OCSPRequestError("CertID hash algorithm \(oid) is not supported (SHA-1, SHA-256, SHA-384, SHA-512)")
        }
        let nameHash = try primitive(fields[1], .octetString, "issuerNameHash")
        let keyHash = try primitive(fields[2], .octetString, "issuerKeyHash")
        guard nameHash.count == hash.digestLength, keyHash.count == hash.digestLength else {
            throw OCSPRequestError("CertID hashes are not \(hash.rawValue) digests (\(hash.digestLength) octets)")
        }
        let serial = try primitive(fields[3], .integer, "serialNumber")
        guard !serial.isEmpty, serial.count <= 21, serial[0] & 0x80 == 0 else {
            throw OCSPRequestError("serialNumber must be a positive integer of at most 20 octets")
        }
        return OCSPCertID(hashAlgorithm: hash, issuerNameHash: nameHash, issuerKeyHash: keyHash, serialNumber: serial.lowercaseHex, encoded: Array(node.encodedBytes))
    }

    static func children(_ node: ASN1Node, _ name: String) throws -> [ASN1Node] {
        guard case .constructed(let collection) = node.content else { throw OCSPRequestError("\(name) is not a constructed value") }
        return Array(collection)
    }

    static func primitive(_ node: ASN1Node, _ identifier: ASN1Identifier, _ name: String) throws -> [UInt8] {
        guard node.identifier == identifier, case .primitive(let value) = node.content else { throw OCSPRequestError("\(name) has the wrong type") }
        return Array(value)
    }
}
