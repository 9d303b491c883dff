import Foundation
import PostgresNIO
import SignetCore
import SignetQuery

extension Catalog {
    static let caColumns = "a.id, a.kind, a.parent_id, a.level, a.certificate, a.key_uri, a.profile_id, a.ca_issuance_profile_id, a.status, a.metadata::text, a.allowed_profiles"

    public func cas(_ request: ListRequest) async throws -> Page<(CARecord, JSONValue)> {
        try await lists.page(request, schema: Schemas.cas, columns: Self.caColumns, from: "certificate_authorities a", id: { $0.0.id }, decode: Self.ca)
    }

    public func ca(id: String) async throws -> (CARecord, JSONValue)? {
        let query = PostgresQuery(unsafeSQL: "SELECT NULL::text, \(Self.caColumns) FROM certificate_authorities a WHERE a.id = $1", binds: Self.binds(id))
        for try await row in try await client.timedQuery(query, logger: logger) { return try Self.ca(try row.makeRandomAccess()) }
        return nil
    }

    public func patchCAMetadata(id: String, patch: JSONPatch) async throws -> JSONValue? {
        try await patchMetadata(table: "certificate_authorities", idColumn: "id", id: id, patch: patch)
    }

    /// Retires a CA: it stops signing and leaves the lists of active CAs; its key, certificate
    /// and issued certificates stay (nothing is lost). Refused while it has subordinate CAs
    /// that are not retired, or active certificates unless `cascade` revokes them
    /// (CessationOfOperation) in the same transaction.
    public func retireCA(id: String, cascade: Bool) async throws {
        defer { database.caCache.invalidate(id) }
        try await client.transaction(logger: logger) { connection in
            var found = false
            for try await _ in try await connection.fetch("SELECT 1 FROM certificate_authorities WHERE id = \(id) AND status <> 'DELETED' FOR UPDATE", logger: logger).decode(Int.self) {
                found = true
            }
            guard found else { throw EditError.notFound("no CA with id '\(id)'") }
            var children: [String] = []
            for try await child in try await connection.fetch("SELECT id FROM certificate_authorities WHERE parent_id = \(id) AND status <> 'DELETED' ORDER BY id", logger: logger).decode(String.self) {
                children.append(child)
            }
            guard children.isEmpty else { throw EditError.conflict("CA '\(id)' has subordinate CAs \(children); retire them first") }
            var active = 0
            // The CA's own certificate (a root's is self-issued) does not count.
            let activeIssued: PostgresQuery = """
                SELECT count(*) FROM certificates c JOIN certificate_authorities a ON a.id = c.issuer_ca_id
                WHERE c.issuer_ca_id = \(id) AND c.status = 'ACTIVE' AND c.not_after > now() AND c.der <> a.certificate
                """
            for try await count in try await connection.fetch(activeIssued, logger: logger).decode(Int.self) { active = count }
            if active > 0 && !cascade {
                throw EditError.conflict("CA '\(id)' has \(active) active certificates; pass cascade=true to revoke them with it")
            }
            // A revocation change like any other: its issuer's revision moves, so stored OCSP responses lapse.
            let revision = try await PostgresRevocationStore.bumpRevision(caID: id, connection: connection, logger: logger)
            try await connection.fetch(
                """
                UPDATE certificates c SET status = 'REVOKED', revoked_at = now(), revocation_reason = 'CessationOfOperation', revocation_seq = \(revision)
                FROM certificate_authorities a
                WHERE a.id = c.issuer_ca_id AND c.issuer_ca_id = \(id) AND c.status = 'ACTIVE' AND c.der <> a.certificate
                """,
                logger: logger
            )
            try await connection.fetch("UPDATE certificate_authorities SET status = 'DELETED' WHERE id = \(id)", logger: logger)
        }
    }

    static func ca(_ c: PostgresRandomAccessRow) throws -> (CARecord, JSONValue) {
        let kind = try c.value(1, as: String.self), status = try c.value(8, as: String.self)
        let record = CARecord(
            id: try c.value(0), kind: CARecord.Kind(rawValue: kind) ?? .imported, parentID: try c.value(2), level: try c.value(3),
            certificateDER: try c.value(4, as: ByteBuffer.self).bytes, keyURI: try c.value(5), profileID: try c.value(6),
            issuanceProfileID: try c.value(7), allowedProfiles: try c.value(10, as: [String].self), status: CARecord.Status(rawValue: status) ?? .revoked
        )
        return (record, metadata(try c.value(9)))
    }
}
