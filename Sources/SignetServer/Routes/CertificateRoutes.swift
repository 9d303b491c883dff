import Foundation
import Hummingbird
import SignetCore
import SignetQuery
import SignetStore
import SwiftASN1

/// `/api/ca/v1/certificates…` and `/api/ca/v1/stats`.
enum CertificateRoutes {
    static let prefix = "/api/ca/v1"

    static func register(_ routes: RouteTable, services: SignetServer.Services) {
        routes.add(.get, "\(prefix)/certificates", roles: CARoutes.readers) { request, _ in
            try await page(try ListRequest(queryItems: request.queryItems, schema: Schemas.certificates), services: services)
        }
        routes.add(.get, "\(prefix)/certificates/{serial}", roles: CARoutes.readers) { request, context in
            let serial = try context.parameters.require("serial")
            guard let row = try await services.catalog.certificate(serialNumber: serial) else {
                throw APIError.notFound("no certificate with serial \(serial)")
            }
            let accept = request.headers[.accept]?.lowercased() ?? "application/json"
            if accept.contains("application/pkix-cert") {
                return .bytes(row.record.der, contentType: "application/pkix-cert")
            }
            if accept.contains("application/x-pem-file") || accept.contains("application/pem-certificate-chain") {
                return .bytes(Array(PEM.certificate(row.record.der).utf8), contentType: "application/x-pem-file")
            }
            guard accept.contains("application/json") || accept.contains("*/*") else {
                throw APIError(status: .notAcceptable, code: "not_acceptable", message: "Accept must be application/json, application/pkix-cert or application/x-pem-file")
            }
            return try .json(CertificateResource(row))
        }
        routes.add(.put, "\(prefix)/certificates/{serial}/status", roles: [.operator]) { request, context in
            let serial = try context.parameters.require("serial")
            let body = try await RequestBody.json(StatusBody.self, request, context: context, allowedKeys: StatusBody.keys)
            let requester = context.requester
            switch body.status {
            case "REVOKED":
                let reason = try body.reason(default: .unspecified)
                _ = try await services.core.revoke(serialNumber: serial, reason: reason, invalidityDate: try body.invalidity(), requester: requester)
            case "ACTIVE":
                guard body.revocationReason == nil, body.invalidityDate == nil else {
                    throw APIError.badRequest("status ACTIVE takes no revocation_reason or invalidity_date")
                }
                _ = try await services.core.unhold(serialNumber: serial, requester: requester)
            default:
                throw APIError.badRequest("status must be REVOKED or ACTIVE (lifting a CertificateHold), got '\(body.status)'")
            }
            guard let row = try await services.catalog.certificate(serialNumber: serial) else {
                throw APIError.notFound("no certificate with serial \(serial)")
            }
            return try .json(CertificateResource(row))
        }
        MetadataPatch.register(
            routes, "\(prefix)/certificates/{serial}/metadata", parameter: "serial", roles: [.operator], missing: { "no certificate with serial \($0)" }
        ) { serial, patch, _, _ in
            try await services.catalog.patchCertificateMetadata(serialNumber: serial, patch: patch)
        }
        routes.add(.get, "\(prefix)/stats", roles: CARoutes.readers) { request, _ in
            return try .json(try await services.catalog.certificateStats(try StatsQuery.filters(request, schema: Schemas.certificates)))
        }
    }

    static func page(_ request: ListRequest, services: SignetServer.Services) async throws -> Response {
        let page = try await services.catalog.certificates(request)
        return try .json(ListPage(list: page.rows.map { CertificateResource($0) }, next: page.next))
    }
}

/// `{"status": "REVOKED", "revocation_reason": "KeyCompromise", "invalidity_date": "…"}` or `{"status": "ACTIVE"}`.
struct StatusBody: Decodable {
    static let keys: Set<String> = ["status", "revocation_reason", "invalidity_date"]

    let status: String
    let revocationReason: String?
    let invalidityDate: String?

    enum CodingKeys: String, CodingKey {
        case status, revocationReason = "revocation_reason", invalidityDate = "invalidity_date"
    }

    func reason(default fallback: RevocationReason) throws -> RevocationReason {
        guard let revocationReason else { return fallback }
        guard let reason = RevocationReason(name: revocationReason) else {
            throw APIError.badRequest("revocation_reason '\(revocationReason)' is not one of \(RevocationReason.names)")
        }
        return reason
    }

    func invalidity() throws -> Date? {
        guard let invalidityDate else { return nil }
        guard let date = RFC3339.date(invalidityDate) else {
            throw APIError.badRequest("invalidity_date must be an RFC 3339 time, got '\(invalidityDate)'")
        }
        return date
    }
}
