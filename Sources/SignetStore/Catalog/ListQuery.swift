import Foundation
import Logging
import PostgresNIO
import SignetQuery

/// One page of a list and the bookmark for the next (empty on the last page).
public struct Page<Row: Sendable>: Sendable {
    public let rows: [Row]
    public let next: String
}

extension PostgresBindings {
    mutating func append(_ values: [SQLValue]) {
        for value in values {
            switch value {
            case .text(let text), .json(let text): append(text)
            case .number(let number): append(number)
            case .timestamp(let date): append(date)
            case .textArray(let texts): append(texts)
            }
        }
    }
}

/// Runs a keyset-paged list: `select` must name its columns with the sort value first,
/// followed by `FROM …` (the WHERE/ORDER/LIMIT tail comes from the query language).
struct ListQuery {
    let client: PostgresClient
    let logger: Logger

    func page<Row: Sendable>(
        _ request: ListRequest,
        schema: ResourceQuerySchema,
        scope: [Filter] = [],
        columns: String,
        from: String,
        id: (Row) -> String,
        decode: (PostgresRandomAccessRow) throws -> Row
    ) async throws -> Page<Row> {
        let tail = ListSQL.build(request, schema: schema, scope: scope)
        var binds = PostgresBindings(capacity: tail.binds.count)
        binds.append(tail.binds)
        let sql = "SELECT \(ListSQL.sortValueExpression(for: request, schema: schema)), \(columns) FROM \(from) \(tail.sql)"
        var rows: [(sortValue: String?, row: Row)] = []
        for try await row in try await client.timedQuery(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger) {
            let columns = try row.makeRandomAccess()
            rows.append((try columns[0].decode(String?.self), try decode(columns)))
        }
        guard rows.count > request.pageSize else { return Page(rows: rows.map(\.row), next: "") }
        let kept = Array(rows.prefix(request.pageSize))
        let last = kept[kept.count - 1]
        return Page(rows: kept.map(\.row), next: Bookmark.encode(request, lastSortValue: last.sortValue, lastID: id(last.row)))
    }
}

/// Column offsets shift by one in page decoders: column 0 is the sort value.
extension PostgresRandomAccessRow {
    func value<T: PostgresDecodable>(_ index: Int, as type: T.Type = T.self) throws -> T {
        try self[index + 1].decode(T.self)
    }
}
