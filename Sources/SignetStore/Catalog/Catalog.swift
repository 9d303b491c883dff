import Foundation
import Logging
import PostgresNIO
import SignetCore
import SignetQuery

/// What the REST API reads and edits besides issuance: lists, metadata, stats, deletions.
/// Every list is keyset-paged through the query language; every value is a bound parameter.
public struct Catalog: Sendable {
    let client: PostgresClient
    let logger: Logger
    let database: Database

    public init(database: Database) {
        client = database.client
        logger = database.logger
        self.database = database
    }

    var lists: ListQuery { ListQuery(client: client, logger: logger) }

    /// Why an edit was refused, for the API to report as 404 or 409.
    public enum EditError: Error, Sendable, CustomStringConvertible {
        case notFound(String)
        case conflict(String)
        /// The request names something that does not exist or may not be used (422).
        case invalid(String)
        /// The request itself is malformed (400).
        case malformed(String)

        public var description: String {
            switch self {
            case .notFound(let what), .conflict(let what), .invalid(let what), .malformed(let what): what
            }
        }
    }

    // MARK: Metadata

    /// The largest metadata a patch may leave (as compact JSON), on every resource that has metadata.
    public static let maximumMetadataBytes = 64 << 10

    /// Applies a JSON Patch to a row's metadata atomically (row locked for the update).
    /// Returns nil when no such row exists. `alsoSet` is trusted SQL for more assignments
    /// (`updated_at = now()`); `then` runs in the same transaction after the update.
    func patchMetadata(
        table: String, idColumn: String, id: String, patch: JSONPatch, alsoSet: String? = nil,
        then: (@Sendable (PostgresConnection) async throws -> Void)? = nil
    ) async throws -> JSONValue? {
        try await client.transaction(logger: logger) { connection in
            var current: JSONValue?
            let select = PostgresQuery(unsafeSQL: "SELECT metadata::text FROM \(table) WHERE \(idColumn) = $1 FOR UPDATE", binds: Self.binds(id))
            for try await text in try await connection.fetch(select, logger: logger).decode(String.self) {
                current = try JSONValue(parsing: Data(text.utf8))
            }
            guard let current else { return nil }
            let patched = try patch.apply(to: current)
            guard case .object = patched else {
                throw JSONPatchError.malformed("metadata must stay a JSON object")
            }
            // A patch is small, but `copy` can double a document with every operation.
            let encoded = try Self.limitedMetadata(patched, what: "the patched metadata")
            let assignments = ["metadata = $2::jsonb"] + (alsoSet.map { [$0] } ?? [])
            let update = PostgresQuery(
                unsafeSQL: "UPDATE \(table) SET \(assignments.joined(separator: ", ")) WHERE \(idColumn) = $1",
                binds: Self.binds(id, String(decoding: encoded, as: UTF8.self))
            )
            try await connection.fetch(update, logger: logger)
            try await then?(connection)
            return patched
        }
    }

    /// The metadata as stored (compact JSON), or a 422 naming its size when it is over the limit.
    public static func limitedMetadata(_ metadata: JSONValue, what: String = "the metadata") throws -> Data {
        let encoded = metadata.encoded()
        guard encoded.count <= maximumMetadataBytes else {
            throw EditError.invalid("\(what) would be \(encoded.count) bytes; metadata is limited to \(maximumMetadataBytes) bytes (64 KiB); nothing was changed")
        }
        return encoded
    }

    static func binds(_ values: String...) -> PostgresBindings {
        var binds = PostgresBindings(capacity: values.count)
        for value in values { binds.append(value) }
        return binds
    }

    static func metadata(_ text: String) -> JSONValue {
        (try? JSONValue(parsing: Data(text.utf8))) ?? .object([:])
    }
}
