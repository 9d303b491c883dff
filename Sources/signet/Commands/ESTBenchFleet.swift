import Crypto
import Foundation
import NIOSSL
import SignetCore
import X509

/// Devices for the EST benchmark, each as it leaves a factory: its own key, a bootstrap
/// certificate for its id from the manufacturer CA, and the CSR it will enroll with.
enum ESTBenchFleet {
    struct Device: Sendable {
        let tls: TLSConfiguration
        let csrBase64: String
    }

    static func make(count: Int, prefix: String, manufacturerCert: String, manufacturerKey: String, tls base: TLSConfiguration) throws -> [Device] {
        let issuer = try Certificate(pemEncoded: String(contentsOfFile: manufacturerCert, encoding: .utf8))
        let issuerKey = try P256.Signing.PrivateKey(pemRepresentation: String(contentsOfFile: manufacturerKey, encoding: .utf8))
        let now = Date()
        return try (0..<count).map { index in
            let id = "\(prefix)-\(index)"
            let key = P256.Signing.PrivateKey()
            let subject = try DistinguishedName { CommonName(id) }
            let bootstrap = try Certificate(
                version: .v3,
                serialNumber: Certificate.SerialNumber(),
                publicKey: Certificate.PublicKey(key.publicKey),
                notValidBefore: now.addingTimeInterval(-3600),
                notValidAfter: now.addingTimeInterval(30 * 86400),
                issuer: issuer.subject,
                subject: subject,
                signatureAlgorithm: .ecdsaWithSHA256,
                extensions: try Certificate.Extensions {
                    Critical(BasicConstraints.notCertificateAuthority)
                    Critical(KeyUsage(digitalSignature: true))
                    try ExtendedKeyUsage([.clientAuth])
                },
                issuerPrivateKey: Certificate.PrivateKey(issuerKey)
            )
            var tls = base
            tls.certificateChain = [.certificate(try NIOSSLCertificate(bytes: try bootstrap.der(), format: .der))]
            tls.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: Array(key.pemRepresentation.utf8), format: .pem))
            return Device(tls: tls, csrBase64: Data(try BenchCSRs.csr(key: key, commonName: id)).base64EncodedString())
        }
    }
}
