import Foundation
import SignetCore
import SignetQuery
import SignetStore

/// `/console/audit`: the trail with the API's filters, and a chain verification that names
/// the first bad record. For auditors (and admins), as the API's audit routes are.
enum ConsoleAudit {
    static func register(_ console: ConsoleRouter) {
        let services = console.services, renderer = console.renderer
        console.get("/console/audit", roles: [.auditor]) { request, _, user in
            let list = ConsoleList(request, pageSize: 50, sortBy: "recorded_at", descending: true)
            let search = list.search
            let page = try await services.catalog.audit(try list.request(Schemas.audit))
            return renderer.page("audit", title: "Audit trail", user: user, section: "audit", [
                "q": search,
                "rows": page.rows.map { entry in
                    var row = ConsoleValue.of(entry) as? [String: Any] ?? [:]
                    row["detail"] = ConsoleValue.jsonString(entry.detail)
                    return row
                },
                "next": (page.next.isEmpty ? nil : "/console/audit?q=\(ConsoleURL.component(search))&bookmark=\(ConsoleURL.component(page.next))") as Any,
            ])
        }
        // A GET: verifying reads the chain and changes nothing, so an auditor's page has no
        // state-changing control even here.
        console.get("/console/audit/verify", roles: [.auditor]) { _, _, user in
            let result: AuditVerifier.Verification
            do { result = try await services.database.verifyAuditChain() } catch let error as AuditVerificationError {
                return renderer.page("audit-verify", title: "Audit chain", user: user, section: "audit", ["intact": false, "problem": "\(error)"])
            }
            return renderer.page("audit-verify", title: "Audit chain", user: user, section: "audit", [
                "intact": result.problem == nil, "problem": result.problem as Any, "sealed": result.sealed, "unsealed": result.unsealed,
                "checkpoints": result.checkpoints, "checked_macs": result.checkedMACs,
                "latest": result.latest.map { ["sequence": $0.sequence, "head": $0.head, "time": RFC3339.string($0.time), "signer": $0.signer] } as Any,
            ])
        }
    }
}
