import HummingbirdCore
import SignetQuery
import SignetStore

/// Input: a selector byte naming the list, then a query string (`filter=…&sort_by=…&bookmark=…`)
/// as the URL carries it. A request that parses is built into SQL; every value must travel as
/// a bind, and a bookmark Signet hands out for the request must be accepted back as the same
/// request.
enum ListQueryTarget {
    static let schemas: [ResourceQuerySchema] = [
        Schemas.certificates, Schemas.cas, Schemas.profiles, Schemas.audit,
        Schemas.devices, Schemas.dms, Schemas.deviceGroups, Schemas.deviceEvents,
    ]

    static func run(_ bytes: [UInt8]) {
        guard let selector = bytes.first, let query = String(bytes: bytes.dropFirst(), encoding: .utf8) else { return }
        let schema = schemas[Int(selector) % schemas.count]
        let items = URI("/list?" + query).queryParameters.map { (String($0.key), String($0.value)) }
        guard let request = try? ListRequest(queryItems: items, schema: schema) else { return }
        checkPlaceholders(ListSQL.build(request, schema: schema, firstBind: 3))

        let token = Bookmark.encode(request, lastSortValue: "2030-01-01T00:00:00Z", lastID: "last-id")
        guard let resumed = try? ListRequest(queryItems: [("bookmark", token)], schema: schema) else {
            broken("a bookmark Signet made for a valid request is refused")
        }
        let sameFilters = resumed.filters == request.filters
        let sameSort = resumed.sortBy == request.sortBy && resumed.sortDescending == request.sortDescending
        if !sameFilters || !sameSort || resumed.pageSize != request.pageSize {
            broken("a bookmark reads back as a different request")
        }
        checkPlaceholders(ListSQL.build(resumed, schema: schema, firstBind: 3))
    }

    /// The SQL names exactly the placeholders $3…$(2+n) for its n binds.
    static func checkPlaceholders(_ fragment: SQLFragment) {
        var seen = Set<Int>()
        var rest = fragment.sql[...]
        while let dollar = rest.firstIndex(of: "$") {
            let digits = rest[rest.index(after: dollar)...].prefix(while: \.isNumber)
            if let number = Int(digits) { seen.insert(number) }
            rest = rest[rest.index(after: dollar)...]
        }
        let expected = Set(fragment.binds.indices.map { $0 + 3 })
        if seen != expected { broken("placeholders \(seen.sorted()) for \(fragment.binds.count) binds") }
    }
}
