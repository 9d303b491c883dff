import Crypto
import _CryptoExtras
import Foundation
import SignetDMS
import SwiftASN1
import X509

extension ESTService {
    /// RFC 7030 §4.4.1.1 (RFC 4108): the CSR asks for the key encrypted under a shared symmetric key.
    static let decryptKeyIdentifierOID: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 9, 16, 2, 37]
    /// RFC 7030 §4.4.1.2: the CSR asks for the key encrypted to the certificate with this subject key identifier.
    static let asymmetricDecryptKeyIdentifierOID: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 9, 16, 2, 54]

    /// How the client asked the generated key to be protected.
    enum KeyProtection: Equatable {
        case plaintext
        case symmetric(keyIdentifier: [UInt8])
        case asymmetric(subjectKeyIdentifier: [UInt8])
    }

    static func requestedProtection(_ csr: CertificateSigningRequest) throws -> KeyProtection {
        func identifier(_ oid: ASN1ObjectIdentifier, _ name: String) throws -> [UInt8]? {
            guard let attribute = csr.attributes.first(where: { $0.oid == oid }) else { return nil }
            guard attribute.values.count == 1, let value = try? ASN1OctetString(asn1Any: attribute.values[0]), !value.bytes.isEmpty else {
                throw ESTRefusal.malformed("the CSR's \(name) attribute must hold one non-empty OCTET STRING")
            }
            return Array(value.bytes)
        }
        let symmetric = try identifier(decryptKeyIdentifierOID, "DecryptKeyIdentifier")
        let asymmetric = try identifier(asymmetricDecryptKeyIdentifierOID, "AsymmetricDecryptKeyIdentifier")
        switch (symmetric, asymmetric) {
        case (nil, nil): return .plaintext
        case (let key?, nil): return .symmetric(keyIdentifier: key)
        case (nil, let key?): return .asymmetric(subjectKeyIdentifier: key)
        case (_?, _?): throw ESTRefusal.malformed("the CSR asks for both a symmetric and an asymmetric decryption key; name one")
        }
    }

    /// Whom the generated key is encrypted for (nil: plaintext PKCS#8), decided before the
    /// token generates anything. The asymmetric recipient is the TLS client certificate the
    /// device authenticated with: the one certificate the server knows to be the client's.
    func keyRecipient(_ csr: CertificateSigningRequest, client: Client, dms: String, settings: ServerKeygenSettings) throws -> CMSEnvelopedData.Recipient? {
        switch try Self.requestedProtection(csr) {
        case .plaintext:
            guard !settings.requireEncryption else {
                throw ESTRefusal.refused("est.serverkeygen.encryption_required", "DMS '\(dms)' returns generated keys only encrypted: add to the CSR an AsymmetricDecryptKeyIdentifier attribute (1.2.840.113549.1.9.16.2.54) holding the subject key identifier of the RSA TLS client certificate, or a DecryptKeyIdentifier (1.2.840.113549.1.9.16.2.37) naming a key the DMS shares (RFC 7030 §4.4.1)")
            }
            return nil
        case .symmetric(let identifier):
            guard keyEncryptionKeys.holdsKeys(dms: dms) else {
                throw ESTRefusal.refused("est.serverkeygen.encryption", "DMS '\(dms)' holds no symmetric keys to encrypt generated keys with (DecryptKeyIdentifier); ask with an AsymmetricDecryptKeyIdentifier naming the RSA TLS client certificate")
            }
            guard let key = keyEncryptionKeys.key(dms: dms, identifier: identifier) else {
                throw ESTRefusal.refused("est.serverkeygen.encryption", "DMS '\(dms)' holds no symmetric key with the CSR's DecryptKeyIdentifier \(identifier.lowercaseHex)")
            }
            return .keyEncryptionKey(key, identifier: identifier)
        case .asymmetric(let wanted):
            guard let der = client.certificate, let certificate = try? Certificate(derEncoded: der) else {
                throw ESTRefusal.refused("est.serverkeygen.encryption", "the CSR asks for the key encrypted to a certificate, but the key is encrypted only to the TLS client certificate and none was presented")
            }
            let held = try Self.subjectKeyIdentifier(certificate)
            guard held == wanted else {
                throw ESTRefusal.refused("est.serverkeygen.encryption", "the CSR's AsymmetricDecryptKeyIdentifier (\(wanted.lowercaseHex)) is not the TLS client certificate's subject key identifier (\(held.lowercaseHex))")
            }
            guard let rsa = _RSA.Signing.PublicKey(certificate.publicKey),
                  let publicKey = try? _RSA.Encryption.PublicKey(derRepresentation: rsa.derRepresentation) else {
                throw ESTRefusal.refused("est.serverkeygen.encryption", "the TLS client certificate's key is not an RSA key of 2048 bits or more; a key can be encrypted only to such a key (key transport)")
            }
            return .keyTransport(publicKey, subjectKeyIdentifier: held)
        }
    }

    /// The certificate's subject key identifier, or RFC 5280 §4.2.1.2's first method when it
    /// carries none (SHA-1 of the subjectPublicKey bits).
    static func subjectKeyIdentifier(_ certificate: Certificate) throws -> [UInt8] {
        if let extensionValue = try? certificate.extensions.subjectKeyIdentifier { return Array(extensionValue.keyIdentifier) }
        return Array(Insecure.SHA1.hash(data: Array(certificate.publicKey.subjectPublicKeyInfoBytes)))
    }
}
