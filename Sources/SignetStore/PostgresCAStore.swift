import Foundation
import Logging
import PostgresNIO
import SignetCore

struct PostgresCAStore: CAStore {
    let client: PostgresClient
    let logger: Logger

    func insert(_ ca: CARecord, certificate: CertificateRecord?) async throws {
        try await client.transaction(logger: logger) { connection in
            try await connection.query(
                """
                INSERT INTO certificate_authorities (id, kind, parent_id, level, certificate, key_uri, profile_id, ca_issuance_profile_id, status)
                VALUES (\(ca.id), \(ca.kind.rawValue), \(ca.parentID), \(ca.level), \(ByteBuffer(bytes: ca.certificateDER)),
                        \(ca.keyURI), \(ca.profileID), \(ca.issuanceProfileID), \(ca.status.rawValue))
                """,
                logger: logger
            )
            if let certificate {
                try await connection.query(PostgresCertificateStore.insertQuery([certificate]), logger: logger)
            }
        }
    }

    func ca(id: String) async throws -> CARecord? {
        try await select("WHERE id = \(id)").first
    }

    func cas() async throws -> [CARecord] {
        try await select("ORDER BY level, id")
    }

    private func select(_ tail: PostgresQuery) async throws -> [CARecord] {
        let query = PostgresQuery(
            unsafeSQL: "SELECT id, kind, parent_id, level, certificate, key_uri, profile_id, ca_issuance_profile_id, status FROM certificate_authorities " + tail.sql,
            binds: tail.binds
        )
        var result: [CARecord] = []
        let rows = try await client.timedQuery(query, logger: logger)
        for try await (id, kind, parent, level, der, keyURI, profile, issuance, status) in rows.decode(
            (String, String, String?, Int, ByteBuffer, String?, String?, String?, String).self
        ) {
            guard let kind = CARecord.Kind(rawValue: kind), let status = CARecord.Status(rawValue: status) else {
                throw StoreError.corruptRow("CA \(id) has kind \(kind) / status \(status)")
            }
            result.append(CARecord(
                id: id, kind: kind, parentID: parent, level: level, certificateDER: der.bytes,
                keyURI: keyURI, profileID: profile, issuanceProfileID: issuance, status: status
            ))
        }
        return result
    }
}
