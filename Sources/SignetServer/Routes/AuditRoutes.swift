import Hummingbird
import SignetQuery
import SignetStore

/// `/api/ca/v1/audit`: the audit trail, for auditors and admins.
enum AuditRoutes {
    static func register(_ routes: RouteTable, services: SignetServer.Services) {
        routes.add(.get, "/api/ca/v1/audit", roles: [.auditor]) { request, _ in
            let page = try await services.catalog.audit(try ListRequest(queryItems: request.queryItems, schema: Schemas.audit))
            return try .json(ListPage(list: page.rows, next: page.next))
        }
    }
}
