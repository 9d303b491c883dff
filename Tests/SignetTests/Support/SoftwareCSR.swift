import Crypto
import _CryptoExtras
import Foundation
import SwiftASN1
import X509

/// CSRs built in process with software keys, for subjects and extensions openssl's
/// command line will not write (over-long names, chosen string types, raw SAN entries).
enum SoftwareCSR {
    enum Key: CaseIterable, Sendable {
        case p256, p384, rsa2048, rsa3072, rsa4096

        var privateKey: Certificate.PrivateKey {
            get throws {
                switch self {
                case .p256: return Certificate.PrivateKey(P256.Signing.PrivateKey())
                case .p384: return Certificate.PrivateKey(P384.Signing.PrivateKey())
                case .rsa2048: return Certificate.PrivateKey(try Self.rsa(2048))
                case .rsa3072: return Certificate.PrivateKey(try Self.rsa(3072))
                case .rsa4096: return Certificate.PrivateKey(try Self.rsa(4096))
                }
            }
        }

        var signatureAlgorithm: Certificate.SignatureAlgorithm {
            switch self {
            case .p256: .ecdsaWithSHA256
            case .p384: .ecdsaWithSHA384
            default: .sha256WithRSAEncryption
            }
        }

        /// One RSA key per size for the whole run, made by openssl (fast at any build setting).
        private static func rsa(_ bits: Int) throws -> _RSA.Signing.PrivateKey {
            if let key = rsaKeys.withLock({ $0[bits] }) { return key }
            let scratch = try Scratch()
            let path = scratch.path("rsa\(bits).pem")
            let result = try Tool.run("openssl", ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:\(bits)", "-out", path])
            guard result.status == 0 else { throw TestSetupError("openssl genpkey failed: \(result.error)") }
            let key = try _RSA.Signing.PrivateKey(pemRepresentation: String(decoding: try scratch.read("rsa\(bits).pem"), as: UTF8.self))
            rsaKeys.withLock { $0[bits] = key }
            return key
        }
    }

    private static let rsaKeys = LockedValue<[Int: _RSA.Signing.PrivateKey]>([:])

    /// One attribute value as raw DER (tag and content as given).
    static func attribute(_ type: ASN1ObjectIdentifier, tag: UInt8, _ text: String) throws -> RelativeDistinguishedName {
        var bytes = [tag]
        let content = Array(text.utf8)
        if content.count < 0x80 { bytes.append(UInt8(content.count)) } else { bytes += [0x81, UInt8(content.count)] }
        return RelativeDistinguishedName(RelativeDistinguishedName.Attribute(type: type, value: try ASN1Any(derEncoded: bytes + content)))
    }

    static func make(subject: DistinguishedName, key: Key, extensions: Certificate.Extensions? = nil) throws -> [UInt8] {
        let attributes = try extensions.map { CertificateSigningRequest.Attributes([try .init(ExtensionRequest(extensions: $0))]) } ?? .init()
        let csr = try CertificateSigningRequest(version: .v1, subject: subject, privateKey: try key.privateKey, attributes: attributes, signatureAlgorithm: key.signatureAlgorithm)
        var serializer = DER.Serializer()
        try serializer.serialize(csr)
        return serializer.serializedBytes
    }
}

/// A value behind a lock, for test helpers shared across tasks.
final class LockedValue<Value>: @unchecked Sendable {
    private var value: Value
    private let lock = NSLock()
    init(_ value: Value) { self.value = value }
    func withLock<T>(_ body: (inout Value) throws -> T) rethrows -> T {
        lock.lock(); defer { lock.unlock() }
        return try body(&value)
    }
}
