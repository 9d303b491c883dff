import Foundation
import Logging
import PostgresNIO
import SignetCore

struct PostgresCAStore: CAStore {
    let client: PostgresClient
    let logger: Logger

    func insert(_ ca: CARecord, certificate: CertificateRecord?) async throws {
        try await client.transaction(logger: logger) { connection in
            try await connection.fetch(
                """
                INSERT INTO certificate_authorities (id, kind, parent_id, level, certificate, key_uri, profile_id, ca_issuance_profile_id, allowed_profiles, status)
                VALUES (\(ca.id), \(ca.kind.rawValue), \(ca.parentID), \(ca.level), \(ByteBuffer(bytes: ca.certificateDER)),
                        \(ca.keyURI), \(ca.profileID), \(ca.issuanceProfileID), \(ca.allowedProfiles), \(ca.status.rawValue))
                """,
                logger: logger
            )
            if let certificate {
                _ = try await connection.rows(PostgresCertificateStore.BatchInsert(records: [certificate]), small: true, logger: logger)
            }
        }
    }

    func ca(id: String) async throws -> CARecord? {
        try await select("WHERE id = \(id)").first
    }

    func cas() async throws -> [CARecord] {
        try await select("ORDER BY level, id")
    }

    func setOCSPSigner(caID: String, _ signer: OCSPSignerRecord?) async throws {
        try await client.committedQuery(
            """
            UPDATE certificate_authorities SET ocsp_signer_key_uri = \(signer?.keyURI),
                ocsp_signer_certificate = \(signer.map { ByteBuffer(bytes: $0.certificateDER) })
            WHERE id = \(caID)
            """,
            logger: logger
        )
    }

    func setAllowedProfiles(caID: String, _ profiles: [String]) async throws {
        try await client.committedQuery("UPDATE certificate_authorities SET allowed_profiles = \(profiles) WHERE id = \(caID)", logger: logger)
    }

    func forget(ids: [String]) {}

    private func select(_ tail: PostgresQuery) async throws -> [CARecord] {
        let query = PostgresQuery(
            unsafeSQL: "SELECT id, kind, parent_id, level, certificate, key_uri, profile_id, ca_issuance_profile_id, status, ocsp_signer_key_uri, ocsp_signer_certificate, allowed_profiles FROM certificate_authorities " + tail.sql,
            binds: tail.binds
        )
        var result: [CARecord] = []
        let rows = try await client.timedQuery(query, logger: logger)
        for try await row in rows {
            let (id, kind, parent, level, der, keyURI, profile) = try row.decode((String, String, String?, Int, ByteBuffer, String?, String?).self)
            let columns = try row.makeRandomAccess()
            let issuance = try columns[7].decode(String?.self)
            let status = try columns[8].decode(String.self)
            let signerKey = try columns[9].decode(String?.self)
            let signerCertificate = try columns[10].decode(ByteBuffer?.self)
            let allowed = try columns[11].decode([String].self)
            guard let kind = CARecord.Kind(rawValue: kind), let status = CARecord.Status(rawValue: status) else {
                throw StoreError.corruptRow("CA \(id) has kind \(kind) / status \(status)")
            }
            result.append(CARecord(
                id: id, kind: kind, parentID: parent, level: level, certificateDER: der.bytes,
                keyURI: keyURI, profileID: profile, issuanceProfileID: issuance, allowedProfiles: allowed, status: status,
                ocspSigner: signerKey.flatMap { key in signerCertificate.map { OCSPSignerRecord(keyURI: key, certificateDER: $0.bytes) } }
            ))
        }
        return result
    }
}
