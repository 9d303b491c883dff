import Foundation
import SignetCore
import SignetQuery
import SignetStore

/// `/console/cas`: the CA hierarchy as a tree; each CA's certificate, profiles, CRL and OCSP
/// state, and (for admins) its revocation.
enum ConsoleAuthorities {
    static func register(_ console: ConsoleRouter) {
        let services = console.services, renderer = console.renderer
        console.get("/console/cas") { _, _, user in
            let page = try await services.catalog.cas(try ListRequest(queryItems: [("page_size", "1000"), ("sort_by", "id")], schema: Schemas.cas))
            let resources = try page.rows.map { try CAResource($0.0, metadata: $0.1) }
            return renderer.page("cas", title: "Certificate authorities", user: user, section: "cas", ["tree": tree(resources)])
        }
        console.get("/console/cas/:id") { request, context, user in
            let id = try context.parameters.require("id")
            guard let (ca, metadata) = try await services.catalog.ca(id: id) else { throw ConsoleRefusal(status: .notFound, message: "There is no CA '\(id)'.") }
            var values = ConsoleValue.of(try CAResource(ca, metadata: metadata)) as? [String: Any] ?? [:]
            values["active"] = ca.status == .active
            values["can_revoke"] = user.isAdmin && ca.status == .active
            values["csrf"] = user.session.csrfToken
            values["reasons"] = RevocationReason.allCases.filter { $0 != .removeFromCRL && $0 != .certificateHold }.map { ["name": $0.name, "selected": $0 == .cessationOfOperation] }
            values["notice"] = request.uri.queryParameters.get("done").map { "Done: \($0)." }
            return renderer.page("ca", title: "CA \(id)", user: user, section: "cas", values)
        }
        console.post("/console/cas/:id/revoke", roles: []) { _, context, user in
            let id = try context.parameters.require("id")
            guard let reason = context.consoleForm["reason"].flatMap(RevocationReason.init(name:)) else {
                throw ConsoleRefusal(status: .badRequest, message: "Choose a revocation reason.")
            }
            let outcome = try await services.core.revokeCA(id: id, reason: reason, requester: user.requester)
            let done = "revoked \(outcome.revokedCAs.count) CA(s) and \(outcome.revokedCertificates) certificate(s)"
            return ConsoleRenderer.redirect("/console/cas/\(ConsoleURL.segment(id))?done=\(ConsoleURL.component(done))")
        }
    }

    /// CAs in depth-first order from the roots, each with its depth for indentation.
    static func tree(_ cas: [CAResource]) -> [[String: Any]] {
        let children = Dictionary(grouping: cas, by: { $0.parentID ?? "" })
        let known = Set(cas.map(\.id))
        var rows: [[String: Any]] = []
        func visit(_ ca: CAResource, depth: Int) {
            rows.append(["id": ca.id, "subject": ca.subject, "status": ca.status, "kind": ca.kind, "valid_to": RFC3339.string(ca.validTo),
                         "depth": min(depth, 6), "active": ca.status == "ACTIVE"])
            for child in children[ca.id, default: []].sorted(by: { $0.id < $1.id }) { visit(child, depth: depth + 1) }
        }
        // Roots, and CAs whose parent is not listed (an imported CA under an external root).
        for root in cas.filter({ $0.parentID == nil || !known.contains($0.parentID!) }).sorted(by: { $0.id < $1.id }) { visit(root, depth: 0) }
        return rows
    }
}

/// Escaping for the links pages build from ids.
enum ConsoleURL {
    static func segment(_ text: String) -> String { text.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(["/"])) ?? text }
    static func component(_ text: String) -> String { text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? text }
}

