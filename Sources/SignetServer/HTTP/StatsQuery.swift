import Hummingbird
import SignetQuery

/// Stats endpoints take only `filter` parameters.
enum StatsQuery {
    static func filters(_ request: Request, schema: ResourceQuerySchema, excluding excluded: String? = nil) throws -> [Filter] {
        if let other = request.queryItems.first(where: { $0.0 != "filter" }) {
            throw APIError.badRequest("stats accept only filter parameters, not '\(other.0)'", code: "invalid_query")
        }
        let filters = try ListRequest(queryItems: request.queryItems, schema: schema).filters
        if let excluded, filters.contains(where: { $0.field == excluded }) {
            throw APIError.badRequest("stats count by \(excluded); filter on anything else", code: "invalid_query")
        }
        return filters
    }
}
