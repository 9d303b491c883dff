import Hummingbird
import SignetQuery

/// The query items a console list sends to the same list functions the API uses: filters
/// (the search box's words, `field[op]value` each, and the page's own), a page size and a
/// sort, or (on later pages) the bookmark, which already holds the sort.
struct ConsoleList {
    /// The search box as typed.
    let search: String
    let items: [(String, String)]

    init(_ request: Request, pageSize: Int, sortBy: String, descending: Bool, filters: [String] = []) {
        let query = request.uri.queryParameters
        search = query.get("q").map { String($0) } ?? ""
        let all = search.split(whereSeparator: \.isWhitespace).map { ("filter", String($0)) } + filters.map { ("filter", $0) }
        if let bookmark = query.get("bookmark") {
            items = all + [("page_size", String(pageSize)), ("bookmark", String(bookmark))]
        } else {
            items = all + [("page_size", String(pageSize)), ("sort_by", sortBy)] + (descending ? [("sort_mode", "desc")] : [])
        }
    }

    func request(_ schema: ResourceQuerySchema) throws -> ListRequest {
        try ListRequest(queryItems: items, schema: schema)
    }
}
