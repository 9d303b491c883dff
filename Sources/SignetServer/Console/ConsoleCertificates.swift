import Foundation
import HTTPTypes
import Hummingbird
import SignetCore
import SignetQuery
import SignetStore

/// `/console/certificates`: the list with the API's query language as a search box, keyset
/// paging, and each certificate with its PEM and DER and (for operators) revoke, hold and
/// lifting a hold.
enum ConsoleCertificates {
    static func register(_ console: ConsoleRouter) {
        let services = console.services, renderer = console.renderer
        console.get("/console/certificates") { request, _, user in
            let list = ConsoleList(request, pageSize: 25, sortBy: "issued_at", descending: true)
            let search = list.search
            let page = try await services.catalog.certificates(try list.request(Schemas.certificates))
            return renderer.page("certificates", title: "Certificates", user: user, section: "certificates", [
                "q": search,
                "rows": page.rows.map { ConsoleValue.of(CertificateResource($0)) },
                "empty": page.rows.isEmpty,
                "next": (page.next.isEmpty ? nil : "/console/certificates?q=\(ConsoleURL.component(search))&bookmark=\(ConsoleURL.component(page.next))") as Any,
            ])
        }
        console.get("/console/certificates/:serial") { request, context, user in
            let row = try await certificate(try context.parameters.require("serial"), services)
            var values = ConsoleValue.of(CertificateResource(row)) as? [String: Any] ?? [:]
            let status = row.record.status
            values["can_revoke"] = user.canOperate && status == .active
            values["can_unhold"] = user.canOperate && status == .revoked && row.revocationReason == RevocationReason.certificateHold.name
            values["csrf"] = user.session.csrfToken
            values["reasons"] = RevocationReason.allCases.filter { $0 != .removeFromCRL }.map { ["name": $0.name] }
            values["notice"] = request.uri.queryParameters.get("done").map { "Done: \($0)." }
            return renderer.page("certificate", title: "Certificate \(row.record.serialNumber)", user: user, section: "certificates", values)
        }
        console.get("/console/certificates/:serial/pem") { _, context, _ in
            let row = try await certificate(try context.parameters.require("serial"), services)
            return download(Array(PEM.certificate(row.record.der).utf8), type: "application/x-pem-file", name: "\(row.record.serialNumber).pem")
        }
        console.get("/console/certificates/:serial/der") { _, context, _ in
            let row = try await certificate(try context.parameters.require("serial"), services)
            return download(row.record.der, type: "application/pkix-cert", name: "\(row.record.serialNumber).cer")
        }
        console.post("/console/certificates/:serial/revoke", roles: [.operator]) { _, context, user in
            let serial = try context.parameters.require("serial")
            guard let reason = context.consoleForm["reason"].flatMap(RevocationReason.init(name:)), reason != .removeFromCRL else {
                throw ConsoleRefusal(status: .badRequest, message: "Choose a revocation reason.")
            }
            _ = try await services.core.revoke(serialNumber: serial, reason: reason, requester: user.requester)
            return ConsoleRenderer.redirect("/console/certificates/\(ConsoleURL.segment(serial))?done=\(ConsoleURL.component("revoked (\(reason.name))"))")
        }
        console.post("/console/certificates/:serial/unhold", roles: [.operator]) { _, context, user in
            let serial = try context.parameters.require("serial")
            _ = try await services.core.unhold(serialNumber: serial, requester: user.requester)
            return ConsoleRenderer.redirect("/console/certificates/\(ConsoleURL.segment(serial))?done=\(ConsoleURL.component("hold lifted"))")
        }
    }

    static func certificate(_ serial: String, _ services: SignetServer.Services) async throws -> Catalog.CertificateRow {
        guard let row = try await services.catalog.certificate(serialNumber: serial) else {
            throw ConsoleRefusal(status: .notFound, message: "There is no certificate with serial \(serial).")
        }
        return row
    }

    static func download(_ bytes: [UInt8], type: String, name: String) -> Response {
        var headers: HTTPFields = [.contentType: type, .contentDisposition: "attachment; filename=\"\(name)\""]
        ConsoleRenderer.securityHeaders(&headers)
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
