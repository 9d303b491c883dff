import Hummingbird
import SignetQuery

/// Stats endpoints take only `filter` parameters: the very filters of the list they count,
/// so that a count and the page behind it always agree.
enum StatsQuery {
    static func filters(_ request: Request, schema: ResourceQuerySchema) throws -> [Filter] {
        if let other = request.queryItems.first(where: { $0.0 != "filter" }) {
            throw APIError.badRequest("stats accept only filter parameters, not '\(other.0)'", code: "invalid_query")
        }
        return try ListRequest(queryItems: request.queryItems, schema: schema).filters
    }
}
