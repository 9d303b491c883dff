import Foundation
import Logging
import PostgresNIO
import SignetCore

struct PostgresCertificateStore: CertificateStore {
    let client: PostgresClient
    let logger: Logger

    static func insertQuery(_ c: CertificateRecord) -> PostgresQuery {
        """
        INSERT INTO certificates (serial_number, issuer_ca_id, subject, common_name, key_type, key_size, not_before, not_after,
                                  status, profile_id, profile_version, requester, decision_id, der)
        VALUES (\(c.serialNumber), \(c.issuerCAID), \(c.subject), \(c.commonName), \(c.keyType), \(c.keySize), \(c.notBefore), \(c.notAfter),
                \(c.status.rawValue), \(c.profileID), \(c.profileVersion), \(c.requester), \(c.decisionID), \(ByteBuffer(bytes: c.der)))
        """
    }

    func insert(_ certificate: CertificateRecord) async throws {
        try await client.query(Self.insertQuery(certificate), logger: logger)
    }

    func certificate(serialNumber: String) async throws -> CertificateRecord? {
        try await select("WHERE serial_number = \(serialNumber.lowercased())").first
    }

    func page(issuerCAID: String?, after serialNumber: String?, limit: Int) async throws -> [CertificateRecord] {
        let after = serialNumber ?? ""
        let limit = max(1, min(limit, 1000))
        if let issuerCAID {
            return try await select("WHERE issuer_ca_id = \(issuerCAID) AND serial_number > \(after) ORDER BY serial_number LIMIT \(limit)")
        }
        return try await select("WHERE serial_number > \(after) ORDER BY serial_number LIMIT \(limit)")
    }

    private func select(_ tail: PostgresQuery) async throws -> [CertificateRecord] {
        let query = PostgresQuery(
            unsafeSQL: """
            SELECT serial_number, issuer_ca_id, subject, common_name, key_type, key_size, not_before, not_after,
                   status, profile_id, profile_version, requester, decision_id, der FROM certificates
            """ + " " + tail.sql,
            binds: tail.binds
        )
        var result: [CertificateRecord] = []
        for try await row in try await client.query(query, logger: logger) {
            let (serial, issuer, subject, commonName, keyType, keySize, notBefore) =
                try row.decode((String, String, String, String?, String, Int, Date).self)
            let columns = try row.makeRandomAccess()
            let notAfter = try columns[7].decode(Date.self)
            let status = try columns[8].decode(String.self)
            guard let parsedStatus = CertificateRecord.Status(rawValue: status) else {
                throw StoreError.corruptRow("certificate \(serial) has status \(status)")
            }
            result.append(CertificateRecord(
                serialNumber: serial, issuerCAID: issuer, subject: subject, commonName: commonName,
                keyType: keyType, keySize: keySize, notBefore: notBefore, notAfter: notAfter,
                status: parsedStatus,
                profileID: try columns[9].decode(String.self),
                profileVersion: try columns[10].decode(String.self),
                requester: try columns[11].decode(String.self),
                decisionID: try columns[12].decode(UUID.self),
                der: try columns[13].decode(ByteBuffer.self).bytes
            ))
        }
        return result
    }
}
