/// Builds the driver-independent SQL for a list page.
///
/// Output is only the tail of a statement (`WHERE ... ORDER BY ... LIMIT ...`) so
/// each endpoint keeps writing its own SELECT and joins. `build` and `condition`
/// assume a request produced by `ListRequest.init`; anything they cannot interpret
/// degrades safely (an unknown filter field matches nothing, an unknown sort field
/// falls back to the default sort) instead of crashing the server.
public struct ListSQL {
    private init() {}

    /// WHERE (filters AND keyset) ORDER BY sort column, id  LIMIT pageSize+1 (one extra
    /// row tells whether there is a next page). `firstBind` is the number of the first
    /// placeholder. The limit is written as an integer literal: it is an `Int`, never text.
    /// `scope` filters are ANDed like the request's but belong to the endpoint (a device
    /// group's criteria), so they never travel in a bookmark.
    public static func build(_ request: ListRequest, schema: ResourceQuerySchema, firstBind: Int = 1, scope: [Filter] = []) -> SQLFragment {
        var binder = SQLBinder(first: firstBind)
        var terms = conditions(scope + request.filters, schema: schema, binder: &binder)
        let key = SortKey(sortField(request, schema: schema))
        let direction = request.sortDescending ? "DESC" : "ASC"

        if let after = request.after {
            let value = after.sortValue.map { binder.placeholder(.text($0)) + "::" + key.sqlType } ?? key.nullSentinel
            let id = binder.placeholder(.text(after.id))
            let comparison = request.sortDescending ? "<" : ">"
            terms.append("(\(key.expression), \(schema.idColumn)) \(comparison) (\(value), \(id))")
        }

        let whereClause = terms.isEmpty ? "TRUE" : terms.joined(separator: " AND ")
        let limit = max(request.pageSize, 1) + 1
        let sql = "WHERE \(whereClause) ORDER BY \(key.expression) \(direction), \(schema.idColumn) \(direction) "
            + "LIMIT \(limit)"
        return SQLFragment(sql: sql, binds: binder.binds)
    }

    /// Only the WHERE condition (no keyset, order or limit), for stats endpoints that
    /// honour the same filters. Returns "TRUE" when there are no filters. Terms are
    /// joined with AND; wrap the result in parentheses before combining it with OR/NOT.
    public static func condition(_ filters: [Filter], schema: ResourceQuerySchema, firstBind: Int = 1) -> SQLFragment {
        var binder = SQLBinder(first: firstBind)
        let terms = conditions(filters, schema: schema, binder: &binder)
        return SQLFragment(sql: terms.isEmpty ? "TRUE" : terms.joined(separator: " AND "), binds: binder.binds)
    }

    /// The sort value as PostgreSQL text, for the endpoint's SELECT list. Feeding this
    /// exact text back through a bookmark makes the keyset cast lossless (a timestamp
    /// formatted by Swift could drop microseconds and skip or repeat rows).
    public static func sortValueExpression(for request: ListRequest, schema: ResourceQuerySchema) -> String {
        "(\(SortKey(sortField(request, schema: schema)).expression))::text"
    }

    private static func conditions(
        _ filters: [Filter], schema: ResourceQuerySchema, binder: inout SQLBinder
    ) -> [String] {
        filters.map { filter in
            guard let field = schema.field(named: filter.field) else { return "FALSE" }
            return filter.condition(for: field, binder: &binder)
        }
    }

    private static func sortField(_ request: ListRequest, schema: ResourceQuerySchema) -> QueryField {
        if let field = try? schema.sortField(named: request.sortBy) {
            return field
        }
        guard let fallback = schema.field(named: schema.defaultSort) else {
            preconditionFailure("ResourceQuerySchema.init guarantees the default sort field exists")
        }
        return fallback
    }
}
