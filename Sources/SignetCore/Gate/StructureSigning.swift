import Foundation
import SignetToken
import SwiftASN1
import X509

/// A signature over a DER structure that is not a certificate (a CRL's TBSCertList, an OCSP
/// ResponseData), with the AlgorithmIdentifier that goes beside it.
struct StructureSignature {
    let algorithmIdentifier: [UInt8]
    let value: [UInt8]
}

extension SigningCore {
    /// Signs `tbs` with a token key, then verifies the signature against `publicKey` (the
    /// signer certificate's key) before anything uses it.
    func signStructure(_ tbs: [UInt8], keyID: [UInt8], publicKey: Certificate.PublicKey, signerName: String) async throws -> StructureSignature {
        let key = TokenSigningKey(token: token, keyID: keyID, publicKey: publicKey)
        let algorithm = key.defaultSignatureAlgorithm
        let signature: Certificate.Signature
        do {
            signature = try await token.perform { try key.signSynchronously(bytes: tbs, signatureAlgorithm: algorithm) }
        } catch let error as TokenError {
            throw GateError.token(error)
        }
        let value = signature.rawRepresentation
        guard publicKey.isValidSignature(value, for: tbs, signatureAlgorithm: algorithm) else {
            logger.error("token signature did not verify", metadata: ["signer": "\(signerName)"])
            throw GateError.signatureNotVerified(caID: signerName)
        }
        return StructureSignature(algorithmIdentifier: try Self.algorithmIdentifier(algorithm), value: value)
    }

    /// RFC 5758 / RFC 4055 AlgorithmIdentifiers for the algorithms token keys sign with.
    static func algorithmIdentifier(_ algorithm: Certificate.SignatureAlgorithm) throws -> [UInt8] {
        switch algorithm {
        case .ecdsaWithSHA256: DERBytes.sequence(DERBytes.oid([1, 2, 840, 10045, 4, 3, 2]))
        case .ecdsaWithSHA384: DERBytes.sequence(DERBytes.oid([1, 2, 840, 10045, 4, 3, 3]))
        case .ecdsaWithSHA512: DERBytes.sequence(DERBytes.oid([1, 2, 840, 10045, 4, 3, 4]))
        case .sha256WithRSAEncryption: DERBytes.sequence(DERBytes.oid([1, 2, 840, 113549, 1, 1, 11]), DERBytes.null)
        case .sha384WithRSAEncryption: DERBytes.sequence(DERBytes.oid([1, 2, 840, 113549, 1, 1, 12]), DERBytes.null)
        case .sha512WithRSAEncryption: DERBytes.sequence(DERBytes.oid([1, 2, 840, 113549, 1, 1, 13]), DERBytes.null)
        default: throw TokenError.unsupportedAlgorithm("\(algorithm)")
        }
    }
}
