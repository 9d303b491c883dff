import Foundation
import PostgresNIO
import SignetCore
import SignetQuery

extension Registry {
    static let dmsColumns = "m.id, m.name, m.settings::text, extract(epoch FROM m.preventive_delta)::float8, extract(epoch FROM m.critical_delta)::float8, m.metadata::text, m.created_at, m.updated_at"

    /// Column 0 is the list's sort value (a NULL placeholder for single reads).
    /// DMS settings and metadata parsed once per distinct text. Every EST request reads its
    /// DMS, and decoding the settings JSON was 7 % of the server's CPU on an EST cacerts
    /// request; the row is still read each time, so a change applies at once.
    static let parsedDocuments = BoundedCache<String, JSONValue>(capacity: 128)

    static func dms(_ row: PostgresRandomAccessRow) throws -> DMSRecord {
        func document(_ column: Int) throws -> JSONValue {
            parsedDocuments.value(try row.value(column, as: String.self)) { Catalog.metadata($0) }
        }
        var record = DMSRecord(
            id: try row.value(0), name: try row.value(1), settings: try document(2),
            preventiveDelta: try row.value(3), criticalDelta: try row.value(4), metadata: try document(5)
        )
        record.createdAt = try row.value(6)
        record.updatedAt = try row.value(7)
        return record
    }

    public func dmsList(_ request: ListRequest) async throws -> Page<DMSRecord> {
        try await lists.page(request, schema: Schemas.dms, columns: Self.dmsColumns, from: "dms m", id: \.id) { try Self.dms($0) }
    }

    public func dms(id: String) async throws -> DMSRecord? {
        for try await row in try await client.timedQuery(PostgresQuery(unsafeSQL: "SELECT NULL::text, \(Self.dmsColumns) FROM dms m WHERE m.id = $1", binds: Catalog.binds(id)), logger: logger) {
            return try Self.dms(row.makeRandomAccess())
        }
        return nil
    }

    public func dmsCount(_ filters: [Filter]) async throws -> Int {
        let condition = ListSQL.condition(filters, schema: Schemas.dms)
        var binds = PostgresBindings(capacity: condition.binds.count)
        binds.append(condition.binds)
        for try await count in try await client.timedQuery(PostgresQuery(unsafeSQL: "SELECT count(*) FROM dms m WHERE \(condition.sql)", binds: binds), logger: logger).decode(Int.self) {
            return count
        }
        return 0
    }

    public func createDMS(_ record: DMSRecord) async throws {
        let settings = String(decoding: record.settings.encoded(), as: UTF8.self)
        let metadata = String(decoding: record.metadata.encoded(), as: UTF8.self)
        let insert: PostgresQuery = """
            INSERT INTO dms (id, name, settings, preventive_delta, critical_delta, metadata)
            VALUES (\(record.id), \(record.name), \(settings)::jsonb, make_interval(secs => \(record.preventiveDelta)), make_interval(secs => \(record.criticalDelta)), \(metadata)::jsonb)
            ON CONFLICT (id) DO NOTHING RETURNING id
            """
        let created = !(try await client.committedQuery(insert, logger: logger)).isEmpty
        guard created else { throw EditError.conflict("a DMS with id '\(record.id)' already exists; use PUT to change it") }
    }

    /// Replaces a DMS's name and settings. Its devices' window boundaries move with the new
    /// windows in the same transaction, so every read after commit derives status from them.
    public func replaceDMS(id: String, name: String, settings: JSONValue, preventiveDelta: TimeInterval, criticalDelta: TimeInterval) async throws {
        let text = String(decoding: settings.encoded(), as: UTF8.self)
        try await client.transaction(logger: logger) { connection in
            let updated = try await connection.exists(
                """
                UPDATE dms SET name = \(name), settings = \(text)::jsonb, preventive_delta = make_interval(secs => \(preventiveDelta)),
                    critical_delta = make_interval(secs => \(criticalDelta)), updated_at = now()
                WHERE id = \(id) RETURNING id
                """,
                logger: logger
            )
            guard updated else { throw EditError.notFound("no DMS with id '\(id)'") }
            try await connection.fetch(
                """
                UPDATE devices SET preventive_at = identity_not_after - make_interval(secs => \(preventiveDelta)),
                    critical_at = identity_not_after - make_interval(secs => \(criticalDelta))
                WHERE dms_owner = \(id) AND identity_serial IS NOT NULL
                """,
                logger: logger
            )
            try await connection.fetch(
                """
                UPDATE device_slots s SET preventive_at = s.not_after - make_interval(secs => \(preventiveDelta)),
                    critical_at = s.not_after - make_interval(secs => \(criticalDelta))
                FROM devices d WHERE d.id = s.device_id AND d.dms_owner = \(id) AND s.not_after IS NOT NULL
                """,
                logger: logger
            )
        }
    }

    /// Deletes a DMS that owns no device other than decommissioned ones. Registration holds a
    /// share lock on the DMS row, so no device can appear between the check and the delete.
    public func deleteDMS(id: String) async throws {
        try await client.transaction(logger: logger) { connection in
            guard try await connection.exists("SELECT id FROM dms WHERE id = \(id) FOR UPDATE", logger: logger) else {
                throw EditError.notFound("no DMS with id '\(id)'")
            }
            var owned = 0
            for try await count in try await connection.fetch(
                "SELECT count(*) FROM devices WHERE dms_owner = \(id) AND decommissioned_at IS NULL", logger: logger
            ).decode(Int.self) { owned = count }
            guard owned == 0 else {
                throw EditError.conflict("DMS '\(id)' owns \(owned) device(s) that are not decommissioned")
            }
            try await connection.fetch("DELETE FROM dms WHERE id = \(id)", logger: logger)
        }
    }

    public func patchDMSMetadata(id: String, patch: JSONPatch) async throws -> JSONValue? {
        try await catalog.patchMetadata(table: "dms", idColumn: "id", id: id, patch: patch)
    }
}
