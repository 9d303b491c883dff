import Crypto
import Foundation
import SignetToken
import Synchronization
import SwiftASN1
import X509

/// Who signs a CA's OCSP responses: the CA key, or its delegated responder.
struct OCSPResponder: Sendable {
    let caID: String
    /// As stored with its responses: '' for the CA key, else the delegated key's URI.
    let storedName: String
    let keyID: [UInt8]
    let publicKey: Certificate.PublicKey
    /// SHA-1 of the responder key's BIT STRING: the ResponderID byKey.
    let keyHash: [UInt8]
    /// The delegated responder's certificate, sent with every response; empty for the CA key.
    let certificates: [[UInt8]]
    /// CertID hashes of the CA for SHA-1, used for pre-signed responses.
    let issuerNameHash: [UInt8]
    let issuerKeyHash: [UInt8]

    /// The SHA-1 CertID of one of the CA's certificates (serial in lowercase hex), as the
    /// responses signed ahead of requests name it.
    func sha1CertID(serialNumber: String) -> [UInt8] {
        DERBytes.sequence(
            DERBytes.sequence(DERBytes.oid(OCSPHashAlgorithm.sha1.oid), DERBytes.null),
            DERBytes.octetString(issuerNameHash),
            DERBytes.octetString(issuerKeyHash),
            DERBytes.tlv(0x02, CRLEncoding.hexBytes(serialNumber))
        )
    }
}

/// Finds the CA a CertID names, by the hashes of its name and key. Reloaded from the store
/// every few seconds, and when a CertID matches nothing (at most ten times a second: later
/// misses wait their turn rather than being told a CA created a moment ago is unknown).
final class OCSPIssuerIndex: Sendable {
    private struct State {
        var digests: [String: String] = [:] // "alg:nameHash:keyHash" -> CA id
        var loadedAt: ContinuousClock.Instant?
    }

    private let state = Mutex(State())
    static let minimumReloadInterval: Duration = .milliseconds(100)

    func caID(for certID: OCSPCertID, load: () async throws -> [CARecord]) async throws -> String? {
        let key = Self.key(certID.hashAlgorithm, certID.issuerNameHash, certID.issuerKeyHash)
        let now = ContinuousClock.now
        let (match, age) = state.withLock { ($0.digests[key], $0.loadedAt.map { now - $0 }) }
        let stale = age.map { $0 > .seconds(10) } ?? true
        if stale || match == nil {
            if let age, age < Self.minimumReloadInterval { try await Task.sleep(for: Self.minimumReloadInterval - age) }
            try reload(try await load())
            return state.withLock { $0.digests[key] }
        }
        return match
    }

    private func reload(_ cas: [CARecord]) throws {
        var digests: [String: String] = [:]
        for ca in cas where ca.status != .deleted {
            guard let certificate = try? Certificate(derEncoded: ca.certificateDER) else { continue }
            let name = try certificate.subjectDER(), key = Self.keyBits(certificate.publicKey)
            for algorithm in OCSPHashAlgorithm.allCases {
                digests[Self.key(algorithm, algorithm.digest(name), algorithm.digest(key))] = ca.id
            }
        }
        state.withLock { $0 = State(digests: digests, loadedAt: .now) }
    }

    private static func key(_ algorithm: OCSPHashAlgorithm, _ name: [UInt8], _ key: [UInt8]) -> String {
        "\(algorithm.rawValue):\(name.lowercaseHex):\(key.lowercaseHex)"
    }

    /// The subjectPublicKey BIT STRING's bits (swift-certificates' `subjectPublicKeyInfoBytes`
    /// is exactly that, despite its name).
    static func keyBits(_ key: Certificate.PublicKey) -> [UInt8] {
        Array(key.subjectPublicKeyInfoBytes)
    }
}

extension SigningCore {
    /// The responder for a CA that may answer now, or nil when Signet does not answer for it
    /// (unknown, imported, revoked, or its key is on another token).
    func ocspResponder(caID: String) async throws -> OCSPResponder? {
        var log = RuleLog()
        let signer: SigningCA
        do { signer = try await signingCA(caID, log: &log) } catch is Refusal { return nil }
        let nameDER = try signer.certificate.subjectDER()
        let caKeyBits = OCSPIssuerIndex.keyBits(signer.certificate.publicKey)
        let issuerNameHash = OCSPHashAlgorithm.sha1.digest(nameDER)
        let issuerKeyHash = OCSPHashAlgorithm.sha1.digest(caKeyBits)
        guard let delegated = signer.record.ocspSigner else {
            return OCSPResponder(caID: caID, storedName: "", keyID: signer.keyID, publicKey: signer.certificate.publicKey, keyHash: issuerKeyHash,
                                 certificates: [], issuerNameHash: issuerNameHash, issuerKeyHash: issuerKeyHash)
        }
        let certificate = try parsedCertificate(delegated.certificateDER)
        let uri = try PKCS11URI(parsing: delegated.keyURI)
        guard certificate.notValidAfter > clock() else {
            logger.error("the delegated OCSP responder's certificate has expired; configure a new one", metadata: ["ca": "\(caID)"])
            throw OCSPResponderUnavailable(caID: caID)
        }
        return OCSPResponder(
            caID: caID, storedName: delegated.keyURI, keyID: uri.id, publicKey: certificate.publicKey,
            keyHash: OCSPHashAlgorithm.sha1.digest(OCSPIssuerIndex.keyBits(certificate.publicKey)),
            certificates: [delegated.certificateDER], issuerNameHash: issuerNameHash, issuerKeyHash: issuerKeyHash
        )
    }
}

/// The CA's responder cannot sign (its delegated certificate expired); answered `tryLater`.
struct OCSPResponderUnavailable: Error {
    let caID: String
}
