import Crypto
import Foundation
import SwiftASN1
import X509

/// Seeds that only Signet's code with the fixed keys can make: CSRs whose proof of possession
/// holds, and signed tokens. `deploy/fuzz` does not run this; its output is committed under
/// Fuzz/corpus, and rerunning it rewrites the same inputs up to ECDSA's random signatures.
enum GeneratedSeeds {
    static func write(under folder: String) throws {
        let root = URL(fileURLWithPath: folder)
        for (index, csr) in try requests().enumerated() {
            var serializer = DER.Serializer()
            try serializer.serialize(csr)
            let der = serializer.serializedBytes
            let pem = try csr.serializeAsPEM().pemString
            let base64 = Data(der).base64EncodedString()
            try save(root, "csr", "der-\(index)", [0] + der)
            try save(root, "csr", "pem-\(index)", [0] + Array(pem.utf8))
            try save(root, "csr", "base64-\(index)", [0] + Array(base64.utf8))
            try save(root, "csr", "info-\(index)", [1] + info(of: der))
            try save(root, "est-body", "base64-\(index)", Array(Data(der).base64EncodedString(options: .lineLength64Characters).utf8))
            try save(root, "rest-body", "sign-\(index)", [0] + Array(#"{"csr": "\#(base64)", "profile_id": "iot-device"}"#.utf8))
        }
        let tokens = [
            (["operator"], "alice"), (["admin", "auditor"], "bob"), ([], "carol"),
        ]
        for (index, (roles, subject)) in tokens.enumerated() {
            let token = JWTTarget.tokenIssuer.issue(
                subject: subject, roles: roles, issuer: JWTTarget.issuer, audience: JWTTarget.audience,
                lifetime: 10 * 365 * 86_400, now: JWTTarget.now.addingTimeInterval(-86_400))
            try save(root, "jwt", "token-\(index)", Array(token.utf8))
        }
        try save(root, "jwt", "jwks", Array(JWTTarget.tokenIssuer.jwks))
    }

    /// Device-like requests under the fixed key: names, SANs and extension requests of the
    /// kinds the profiles judge.
    static func requests() throws -> [CertificateSigningRequest] {
        let key = Certificate.PrivateKey(FixedKeys.p256)
        func request(_ subject: DistinguishedName, _ extensions: Certificate.Extensions?) throws -> CertificateSigningRequest {
            let attributes = try extensions.map { CertificateSigningRequest.Attributes([try .init(ExtensionRequest(extensions: $0))]) } ?? .init()
            return try CertificateSigningRequest(version: .v1, subject: subject, privateKey: key, attributes: attributes, signatureAlgorithm: .ecdsaWithSHA256)
        }
        return [
            try request(try DistinguishedName { CommonName("device-1") }, nil),
            try request(try DistinguishedName { CountryName("DE"); OrganizationName("Plant 7"); CommonName("device-1") },
                        try Certificate.Extensions {
                            SubjectAlternativeNames([.dnsName("device-1.fleet.example"), .ipAddress(ASN1OctetString(contentBytes: [10, 0, 0, 7]))])
                            KeyUsage(digitalSignature: true)
                            try ExtendedKeyUsage([.clientAuth])
                        }),
            try request(try DistinguishedName { CommonName("api.example.com"); OrganizationalUnitName("ops") },
                        try Certificate.Extensions {
                            SubjectAlternativeNames([.dnsName("api.example.com"), .uniformResourceIdentifier("urn:device:1"), .rfc822Name("ops@example.com")])
                            BasicConstraints.notCertificateAuthority
                        }),
        ]
    }

    /// The CertificationRequestInfo inside a CSR's DER.
    static func info(of der: [UInt8]) throws -> [UInt8] {
        guard case .constructed(let children) = try DER.parse(der).content, let info = children.first(where: { _ in true }) else {
            throw ASN1Error.invalidASN1Object(reason: "not a CSR")
        }
        return Array(info.encodedBytes)
    }

    static func save(_ root: URL, _ target: String, _ name: String, _ bytes: [UInt8]) throws {
        let folder = root.appendingPathComponent(target)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data(bytes).write(to: folder.appendingPathComponent(name))
    }
}
