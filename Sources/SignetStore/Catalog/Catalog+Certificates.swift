import Foundation
import PostgresNIO
import SignetCore
import SignetQuery

extension Catalog {
    static let certificateColumns = """
        c.serial_number, c.issuer_ca_id, c.subject, c.common_name, c.key_type, c.key_size, c.not_before, c.not_after,
        c.status, c.profile_id, c.profile_version, c.requester, c.decision_id, c.der, c.metadata::text,
        c.revoked_at, c.revocation_reason, c.invalidity_date
        """

    public func certificates(_ request: ListRequest) async throws -> Page<CertificateRow> {
        try await lists.page(
            request, schema: Schemas.certificates, columns: Self.certificateColumns, from: "certificates c",
            id: { $0.record.serialNumber }, decode: Self.certificate
        )
    }

    public func certificate(serialNumber: String) async throws -> CertificateRow? {
        let query = PostgresQuery(
            unsafeSQL: "SELECT NULL::text, \(Self.certificateColumns) FROM certificates c WHERE c.serial_number = $1",
            binds: Self.binds(serialNumber.lowercased())
        )
        for try await row in try await client.timedQuery(query, logger: logger) {
            return try Self.certificate(try row.makeRandomAccess())
        }
        return nil
    }

    public func patchCertificateMetadata(serialNumber: String, patch: JSONPatch) async throws -> JSONValue? {
        try await patchMetadata(table: "certificates", idColumn: "serial_number", id: serialNumber.lowercased(), patch: patch)
    }

    /// Counts by status, issuing CA and key type, over the certificates the filters select.
    public struct CertificateStats: Sendable, Encodable {
        public var total = 0
        public var byStatus: [String: Int] = [:]
        public var byCA: [String: Int] = [:]
        public var byKeyType: [String: Int] = [:]

        enum CodingKeys: String, CodingKey {
            case total, byStatus = "by_status", byCA = "by_ca", byKeyType = "by_key_type"
        }
    }

    public func certificateStats(_ filters: [Filter]) async throws -> CertificateStats {
        let condition = ListSQL.condition(filters, schema: Schemas.certificates)
        var binds = PostgresBindings(capacity: condition.binds.count)
        binds.append(condition.binds)
        let sql = """
            SELECT \(CertificateColumns.derivedStatus), c.issuer_ca_id, c.key_type, count(*) FROM certificates c
            WHERE \(condition.sql) GROUP BY 1, 2, 3
            """
        var stats = CertificateStats()
        for try await (status, ca, keyType, count) in try await client.timedQuery(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger)
            .decode((String, String, String, Int).self) {
            stats.total += count
            stats.byStatus[status, default: 0] += count
            stats.byCA[ca, default: 0] += count
            stats.byKeyType[keyType, default: 0] += count
        }
        return stats
    }

    /// A certificate as the API shows it: the record, its metadata and its revocation.
    public struct CertificateRow: Sendable {
        public let record: CertificateRecord
        public let metadata: JSONValue
        public let revokedAt: Date?
        public let revocationReason: String?
        public let invalidityDate: Date?
    }

    static func certificate(_ c: PostgresRandomAccessRow) throws -> CertificateRow {
        let status = try c.value(8, as: String.self)
        let record = CertificateRecord(
            serialNumber: try c.value(0), issuerCAID: try c.value(1), subject: try c.value(2), commonName: try c.value(3),
            keyType: try c.value(4), keySize: try c.value(5), notBefore: try c.value(6), notAfter: try c.value(7),
            status: CertificateRecord.Status(rawValue: status) ?? .revoked,
            profileID: try c.value(9), profileVersion: try c.value(10), requester: try c.value(11),
            decisionID: try c.value(12), der: try c.value(13, as: ByteBuffer.self).bytes
        )
        return CertificateRow(
            record: record, metadata: metadata(try c.value(14)),
            revokedAt: try c.value(15), revocationReason: try c.value(16), invalidityDate: try c.value(17)
        )
    }
}
