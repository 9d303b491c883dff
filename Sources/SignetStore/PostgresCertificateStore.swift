import Foundation
import Logging
import PostgresNIO
import SignetCore

struct PostgresCertificateStore: CertificateStore {
    let client: PostgresClient
    let logger: Logger
    let writer: IssuanceWriter

    /// Inserts certificates, one row or a group-commit batch, as one prepared statement.
    struct BatchInsert: PreparedWrite {
        static let columns: [(name: String, type: String)] = [
            ("serial_number", "text"), ("issuer_ca_id", "text"), ("subject", "text"), ("common_name", "text"),
            ("key_type", "text"), ("key_size", "int4"), ("not_before", "timestamptz"), ("not_after", "timestamptz"),
            ("status", "text"), ("profile_id", "text"), ("profile_version", "text"), ("requester", "text"),
            ("decision_id", "uuid"), ("der", "bytea"),
        ]
        static let sql = ArrayInsert.sql(into: "certificates", columns: columns)
        let records: [CertificateRecord]

        func makeBindings() throws -> PostgresBindings {
            var binds = PostgresBindings(capacity: Self.columns.count)
            Self.bind(records, to: &binds)
            return binds
        }

        static func bind(_ records: [CertificateRecord], to binds: inout PostgresBindings) {
            binds.append(records.map(\.serialNumber))
            binds.append(records.map(\.issuerCAID))
            binds.append(records.map(\.subject))
            binds.append(NullableTextArray(elements: records.map(\.commonName)))
            binds.append(records.map(\.keyType))
            binds.append(records.map { Int32($0.keySize) })
            binds.append(records.map(\.notBefore))
            binds.append(records.map(\.notAfter))
            binds.append(records.map(\.status.rawValue))
            binds.append(records.map(\.profileID))
            binds.append(records.map(\.profileVersion))
            binds.append(records.map(\.requester))
            binds.append(records.map(\.decisionID))
            binds.append(records.map { ByteBuffer(bytes: $0.der) })
        }
    }

    /// Commits the certificate (batched with concurrent inserts); returns once it is durable.
    func insert(_ certificate: CertificateRecord, firstOCSPResponse: StoredOCSPResponse?) async throws {
        do {
            try await writer.write(.certificate(certificate, firstOCSPResponse))
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "SN001" {
            throw IssuerNotActive(caID: certificate.issuerCAID, status: error.serverInfo?[.detail] ?? "not active")
        }
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
        for try await row in try await client.timedQuery(query, logger: logger) {
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
