import Foundation
import SignetCore
import SignetToken

/// Request and response bodies of the CA routes that revoke, publish CRLs and set OCSP signers.

/// `{"mode": "delegated", "profile_id": "ocsp-responder", "key_type": "ECDSA", "key_size": 256}` or `{"mode": "ca"}`.
struct OCSPSignerBody: Decodable {
    static let keys: Set<String> = ["mode", "profile_id", "key_type", "key_size"]

    let mode: String
    let profileID: String?
    let keyType: String?
    let keySize: Int?

    enum CodingKeys: String, CodingKey {
        case mode, profileID = "profile_id", keyType = "key_type", keySize = "key_size"
    }

    func profile() throws -> String? {
        switch mode {
        case "ca":
            guard profileID == nil, keyType == nil, keySize == nil else { throw APIError.badRequest("mode 'ca' takes no profile_id, key_type or key_size") }
            return nil
        case "delegated":
            guard let profileID else { throw APIError.badRequest("mode 'delegated' needs profile_id (a profile granting OCSPSigning)") }
            return profileID
        default:
            throw APIError.badRequest("mode must be 'ca' or 'delegated', got '\(mode)'")
        }
    }

    func keySpec() throws -> KeySpec {
        try KeySpec(apiType: keyType ?? "ECDSA", size: keySize ?? 256)
    }
}

extension KeySpec {
    /// The key types the API accepts for keys Signet generates.
    init(apiType: String, size: Int) throws {
        switch (apiType.uppercased(), size) {
        case ("ECDSA", 256), ("EC", 256): self = .ecP256
        case ("ECDSA", 384), ("EC", 384): self = .ecP384
        case ("RSA", 2048), ("RSA", 3072), ("RSA", 4096): self = .rsa(bits: size)
        default:
            throw APIError.badRequest("key_type/key_size \(apiType)/\(size) is not one of ECDSA 256, ECDSA 384, RSA 2048, RSA 3072, RSA 4096")
        }
    }
}

/// What `POST /cas/{id}/status` changed.
struct CARevocationResource: Encodable {
    let ca: CAResource
    let revokedCAs: [String]
    let revokedCertificates: Int

    enum CodingKeys: String, CodingKey {
        case ca, revokedCAs = "revoked_cas", revokedCertificates = "revoked_certificates"
    }
}

/// One published CRL, as `POST /cas/{id}/crl` reports it.
struct CRLSummary: Encodable {
    let number: Int64
    let kind: String
    let baseNumber: Int64?
    let thisUpdate: Date
    let nextUpdate: Date
    let entries: Int

    init(_ draft: CRLDraft) {
        number = draft.number
        kind = draft.kind.rawValue
        baseNumber = draft.baseNumber
        thisUpdate = draft.thisUpdate
        nextUpdate = draft.nextUpdate
        entries = draft.entries
    }

    enum CodingKeys: String, CodingKey {
        case number, kind, entries
        case baseNumber = "base_number", thisUpdate = "this_update", nextUpdate = "next_update"
    }
}
