/// A validated request for one page of a resource list.
///
/// Built from the raw query items so every endpoint shares one strict parser: unknown
/// parameters, impossible filters and out-of-range page sizes are rejected with a
/// precise error instead of being silently ignored or clamped, which would hand the
/// client a different result set than it asked for.
public struct ListRequest: Sendable, Hashable {
    public var filters: [Filter]
    public var sortBy: String
    public var sortDescending: Bool
    public var pageSize: Int
    /// Set when continuing from a bookmark: only rows after this position are returned.
    public var after: KeysetPosition?

    public init(
        filters: [Filter] = [], sortBy: String, sortDescending: Bool = false,
        pageSize: Int, after: KeysetPosition? = nil
    ) {
        self.filters = filters
        self.sortBy = sortBy
        self.sortDescending = sortDescending
        self.pageSize = pageSize
        self.after = after
    }

    /// Parses the raw query items (name, value) of a request. Unknown query parameters
    /// are an error. A bookmark carries filters, sort and position: when `bookmark` is
    /// present, filters/sort_by/sort_mode must either be absent or equal to the
    /// bookmark's, else error. page_size outside 1...maxPageSize is an error (not clamped);
    /// with a bookmark, an explicit page_size overrides the bookmark's.
    public init(queryItems: [(String, String)], schema: ResourceQuerySchema) throws(QueryError) {
        let raw = try RawListParameters(queryItems, schema: schema)
        let sortField = try raw.sortBy.map { (name) throws(QueryError) in try schema.sortField(named: name) }
        let descending = try raw.sortMode.map { (mode) throws(QueryError) in try Self.parseSortMode(mode) }
        let pageSize = try raw.pageSize.map { (text) throws(QueryError) in try Self.parsePageSize(text, schema: schema) }

        guard let bookmarkText = raw.bookmark else {
            self.init(filters: raw.filters, sortBy: sortField?.name ?? schema.defaultSort,
                      sortDescending: descending ?? false, pageSize: pageSize ?? schema.defaultPageSize)
            return
        }
        let mark = try Bookmark.decode(bookmarkText, schema: schema)
        if raw.sawFilter, !Self.sameFilters(raw.filters, mark.filters) {
            throw .bookmarkMismatch("the filter parameters differ from the bookmark's; "
                + "omit them or repeat them exactly when passing a bookmark")
        }
        if let sortField, sortField.name != mark.sortBy {
            throw .bookmarkMismatch("sort_by \"\(sortField.name)\" differs from the bookmark's \"\(mark.sortBy)\"")
        }
        if let descending, descending != mark.sortDescending {
            let given = descending ? "desc" : "asc", stored = mark.sortDescending ? "desc" : "asc"
            throw .bookmarkMismatch("sort_mode \"\(given)\" differs from the bookmark's \"\(stored)\"")
        }
        self.init(filters: mark.filters, sortBy: mark.sortBy, sortDescending: mark.sortDescending,
                  pageSize: pageSize ?? mark.pageSize, after: mark.after)
    }

    static func parseSortMode(_ text: String) throws(QueryError) -> Bool {
        switch text {
        case "asc": return false
        case "desc": return true
        default: throw .invalidSort("sort_mode \"\(text)\" must be asc or desc")
        }
    }

    static func parsePageSize(_ text: String, schema: ResourceQuerySchema) throws(QueryError) -> Int {
        guard let size = Int(text), (1...schema.maxPageSize).contains(size) else {
            throw .invalidPageSize("\"\(text)\" is not a whole number from 1 to \(schema.maxPageSize)")
        }
        return size
    }

    /// Filters are ANDed, so their order carries no meaning and is not compared.
    private static func sameFilters(_ a: [Filter], _ b: [Filter]) -> Bool {
        Set(a) == Set(b)
    }
}

/// The query items sorted into their parameters, before any cross-checking. Separate
/// so the duplicate/unknown-parameter rules live in one small place.
private struct RawListParameters {
    var filters: [Filter] = []
    var sawFilter = false
    var sortBy: String?
    var sortMode: String?
    var pageSize: String?
    var bookmark: String?

    init(_ items: [(String, String)], schema: ResourceQuerySchema) throws(QueryError) {
        for (name, value) in items {
            switch name {
            case "filter":
                sawFilter = true
                filters.append(try Filter(parsing: value, schema: schema))
            case "sort_by":
                guard sortBy == nil else { throw .invalidSort("sort_by given more than once") }
                sortBy = value
            case "sort_mode":
                guard sortMode == nil else { throw .invalidSort("sort_mode given more than once") }
                sortMode = value
            case "page_size":
                guard pageSize == nil else { throw .invalidPageSize("page_size given more than once") }
                pageSize = value
            case "bookmark":
                guard bookmark == nil else { throw .invalidBookmark("bookmark given more than once") }
                bookmark = value
            default:
                throw .unknownParameter(name)
            }
        }
    }
}
