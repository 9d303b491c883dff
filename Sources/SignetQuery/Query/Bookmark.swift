import Foundation

/// The opaque continuation token handed out with each page.
///
/// It carries the filters and sort along with the position, so a client only has to
/// send `bookmark=...` to get the next page and cannot accidentally combine a position
/// from one query with the filters of another. It is base64url-encoded JSON and NOT
/// signed: a client can forge one, but a forged bookmark is validated exactly like
/// query parameters, so it grants nothing a plain request could not.
public struct Bookmark {
    private init() {}

    /// Format version, bumped if the payload ever changes shape so old tokens fail
    /// with a clear error instead of being misread.
    private static let version = 1

    /// The JSON inside the token; short keys keep URLs short.
    private struct Payload: Codable {
        var v: Int
        var f: [Filter]
        var s: String
        var d: Bool
        var n: Int
        var k: String?
        var i: String
    }

    public static func encode(_ request: ListRequest, lastSortValue: String?, lastID: String) -> String {
        let payload = Payload(v: version, f: request.filters, s: request.sortBy, d: request.sortDescending,
                              n: request.pageSize, k: lastSortValue, i: lastID)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data: Data
        do {
            data = try encoder.encode(payload)
        } catch {
            preconditionFailure("a bookmark payload holds only strings, ints and bools: \(error)")
        }
        return data.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// Reads a token back. Only checks that it is a well-formed bookmark; whether its
    /// contents fit a resource is checked by `ListRequest`, which knows the schema.
    public static func decode(_ text: String) throws(QueryError)
        -> (filters: [Filter], sortBy: String, sortDescending: Bool, pageSize: Int, after: KeysetPosition)
    {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        guard !text.isEmpty, let data = Data(base64Encoded: base64) else {
            throw .invalidBookmark("not a base64url token")
        }
        guard let payload = try? JSONDecoder().decode(Payload.self, from: data) else {
            throw .invalidBookmark("token content is not a bookmark")
        }
        guard payload.v == version else {
            throw .invalidBookmark("unsupported bookmark version \(payload.v)")
        }
        return (payload.f, payload.s, payload.d, payload.n, KeysetPosition(sortValue: payload.k, id: payload.i))
    }

    /// Decodes and checks the contents against the resource, reporting every problem
    /// as `invalidBookmark` since the client did not write those values itself.
    static func decode(_ text: String, schema: ResourceQuerySchema) throws(QueryError)
        -> (filters: [Filter], sortBy: String, sortDescending: Bool, pageSize: Int, after: KeysetPosition)
    {
        let mark = try decode(text)
        do {
            for filter in mark.filters {
                try filter.validate(against: schema)
            }
            _ = try schema.sortField(named: mark.sortBy)
            _ = try ListRequest.parsePageSize(String(mark.pageSize), schema: schema)
        } catch {
            throw .invalidBookmark("contents do not fit this resource: \(error)")
        }
        return mark
    }
}
