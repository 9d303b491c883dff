import _CryptoExtras
import Crypto
import Foundation
import SignetToken
import SwiftASN1
import X509

/// A key pair the token generated for a client that cannot make its own (EST
/// `/serverkeygen`): the private key as PKCS#8, handed over once and kept nowhere.
public struct GeneratedClientKey: Sendable {
    public let pkcs8: [UInt8]
    let privateKey: Certificate.PrivateKey

    /// A CSR for this key with the template's subject and attributes (its requested
    /// extensions), for the gate to issue from like any other.
    public func request(replacing template: CertificateSigningRequest) throws -> [UInt8] {
        let request = try CertificateSigningRequest(version: .v1, subject: template.subject, privateKey: privateKey, attributes: template.attributes)
        var serializer = DER.Serializer()
        try serializer.serialize(request)
        return serializer.serializedBytes
    }
}

extension SigningCore {
    /// Generates a key pair with the token's generator; the token keeps nothing of it (see
    /// `Token.generateExportedKeyPair`). Only P-256, P-384 and RSA 2048/3072/4096.
    public func generateClientKey(_ kind: PublicKeyKind) async throws -> GeneratedClientKey {
        let spec: KeySpec
        switch kind {
        case .ecdsa(.p256): spec = .ecP256
        case .ecdsa(.p384): spec = .ecP384
        case .rsa(let bits) where [2048, 3072, 4096].contains(bits): spec = .rsa(bits: bits)
        default:
            var log = RuleLog()
            throw GateError.refused(log.fail("keygen.key_type", "the token generates P-256, P-384 or RSA 2048/3072/4096 keys, not \(kind)"))
        }
        let token = self.token
        let exported = try await token.perform { try token.generateExportedKeyPair(spec) }
        return try Self.clientKey(exported)
    }

    /// What issuing for a generated key of `kind` will check, asked before the key is
    /// generated (the token's work is not spent on a request the gate would refuse): the CA
    /// can sign, the profile exists, and the baseline and the profile allow the key.
    public func checkClientKey(_ kind: PublicKeyKind, caID: String, profileID: String?) async throws {
        var log = RuleLog()
        do {
            let signer = try await signingCA(caID, log: &log)
            let profile = try await profile(profileID ?? signer.record.issuanceProfileID, purpose: "issuance", log: &log)
            if let violation = CryptoBaseline.violation(kind) ?? profile.profile.cryptoEnforcement.violation(kind).map(\.detail) {
                throw log.fail("crypto_enforcement", violation)
            }
        } catch let refusal as Refusal {
            throw GateError.refused(refusal)
        }
    }

    private static let rsaAlgorithm = DERBytes.sequence(DERBytes.oid([1, 2, 840, 113549, 1, 1, 1]), DERBytes.null)

    /// The exported key as PKCS#8 DER, and as a key that can sign its CSR.
    static func clientKey(_ exported: ExportedPrivateKey) throws -> GeneratedClientKey {
        switch exported {
        case .ec(.ecP384, let scalar):
            let key = try P384.Signing.PrivateKey(rawRepresentation: scalar)
            return GeneratedClientKey(pkcs8: Array(key.derRepresentation), privateKey: Certificate.PrivateKey(key))
        case .ec(_, let scalar):
            let key = try P256.Signing.PrivateKey(rawRepresentation: scalar)
            return GeneratedClientKey(pkcs8: Array(key.derRepresentation), privateKey: Certificate.PrivateKey(key))
        case .rsa(let n, let e, let d, let p, let q, let dp, let dq, let qinv):
            let pkcs1 = DERBytes.sequence(of: [DERBytes.integer(0)] + [n, e, d, p, q, dp, dq, qinv].map(DERBytes.unsignedInteger))
            let pkcs8 = DERBytes.sequence(DERBytes.integer(0), rsaAlgorithm, DERBytes.octetString(pkcs1))
            return GeneratedClientKey(pkcs8: pkcs8, privateKey: Certificate.PrivateKey(try _RSA.Signing.PrivateKey(derRepresentation: pkcs8)))
        }
    }
}
