import Foundation
import SignetCore
import SignetQuery
import SignetStore
import SwiftASN1
import X509

/// JSON resources the CA API returns (snake_case through CodingKeys).

struct CAResource: Encodable {
    let id: String
    let kind: String
    let level: Int
    let parentID: String?
    let certificate: String
    let profileID: String?
    let caIssuanceProfileID: String?
    let allowedProfiles: [String]
    let status: String
    let subject: String
    let serialNumber: String
    let validFrom: Date
    let validTo: Date
    let keyURI: String?
    let metadata: JSONValue
    /// `CA` (the CA key signs OCSP responses) or `DELEGATED`.
    let ocspSigner: String
    let ocspSignerCertificate: String?

    enum CodingKeys: String, CodingKey {
        case id, kind, level, certificate, status, subject, metadata
        case ocspSigner = "ocsp_signer", ocspSignerCertificate = "ocsp_signer_certificate"
        case parentID = "parent_id", profileID = "profile_id", caIssuanceProfileID = "ca_issuance_profile_id"
        case allowedProfiles = "allowed_profiles"
        case serialNumber = "serial_number", validFrom = "valid_from", validTo = "valid_to", keyURI = "key_uri"
    }

    init(_ ca: CARecord, metadata: JSONValue) throws {
        let certificate = try Certificate(derEncoded: ca.certificateDER)
        id = ca.id
        kind = ca.kind.rawValue
        level = ca.level
        parentID = ca.parentID
        self.certificate = PEM.certificate(ca.certificateDER)
        profileID = ca.profileID
        caIssuanceProfileID = ca.issuanceProfileID
        allowedProfiles = ca.allowedProfiles
        status = ca.status.rawValue
        subject = certificate.subject.description
        serialNumber = certificate.serialNumber.bytes.lowercaseHex
        validFrom = certificate.notValidBefore
        validTo = certificate.notValidAfter
        keyURI = ca.keyURI
        self.metadata = metadata
        ocspSigner = ca.ocspSigner == nil ? "CA" : "DELEGATED"
        ocspSignerCertificate = ca.ocspSigner.map { PEM.certificate($0.certificateDER) }
    }
}

struct CertificateResource: Encodable {
    let serialNumber: String
    let certificate: String
    let issuerCAID: String
    let status: String
    let subject: String
    let commonName: String?
    let validFrom: Date
    let validTo: Date
    let profileID: String
    let profileVersion: String
    let keyType: String
    let keySize: Int
    let requester: String
    let metadata: JSONValue
    var revokedAt: Date?
    var revocationReason: String?
    var invalidityDate: Date?

    enum CodingKeys: String, CodingKey {
        case certificate, status, subject, requester, metadata
        case revokedAt = "revoked_at", revocationReason = "revocation_reason", invalidityDate = "invalidity_date"
        case serialNumber = "serial_number", issuerCAID = "issuer_ca_id", commonName = "common_name"
        case validFrom = "valid_from", validTo = "valid_to", profileID = "profile_id", profileVersion = "profile_version"
        case keyType = "key_type", keySize = "key_size"
    }

    init(_ row: Catalog.CertificateRow, now: Date = Date()) {
        self.init(row.record, metadata: row.metadata, now: now)
        revokedAt = row.revokedAt
        revocationReason = row.revocationReason
        invalidityDate = row.invalidityDate
    }

    init(_ c: CertificateRecord, metadata: JSONValue, now: Date = Date()) {
        revokedAt = nil
        revocationReason = nil
        invalidityDate = nil
        serialNumber = c.serialNumber
        certificate = PEM.certificate(c.der)
        issuerCAID = c.issuerCAID
        // Expiry is derived from notAfter at every read, never stored by a job.
        status = c.status == .active && c.notAfter <= now ? "EXPIRED" : c.status.rawValue
        subject = c.subject
        commonName = c.commonName
        validFrom = c.notBefore
        validTo = c.notAfter
        profileID = c.profileID
        profileVersion = c.profileVersion
        keyType = c.keyType
        keySize = c.keySize
        requester = c.requester
        self.metadata = metadata
    }
}

/// `{"list": [...], "next": "<bookmark or empty>"}`.
struct ListPage<Item: Encodable>: Encodable {
    let list: [Item]
    let next: String
}

/// PEM text for DER certificates, with Foundation's line-wrapping base64 (faster than
/// building a PEMDocument on every response).
enum PEM {
    static func certificate(_ der: [UInt8]) -> String {
        let body = Data(der).base64EncodedString(options: [.lineLength64Characters, .endLineWithLineFeed])
        return "-----BEGIN CERTIFICATE-----\n\(body)\n-----END CERTIFICATE-----\n"
    }
}
