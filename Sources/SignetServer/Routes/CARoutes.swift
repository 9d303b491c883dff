import Foundation
import Hummingbird
import SignetCore
import SignetQuery
import SignetStore
import SignetToken
import X509

/// `/api/ca/v1/cas…`: create, import, list, read, annotate, retire and sign with CAs.
enum CARoutes {
    static let prefix = "/api/ca/v1"
    static let readers: Set<Role> = [.operator, .auditor]

    static func register(_ routes: RouteTable, services: SignetServer.Services) {
        routes.add(.get, "\(prefix)/cas", roles: readers) { request, _ in
            let page = try await services.catalog.cas(try ListRequest(queryItems: request.queryItems, schema: Schemas.cas))
            return try .json(ListPage(list: try page.rows.map { try CAResource($0.0, metadata: $0.1) }, next: page.next))
        }
        routes.add(.post, "\(prefix)/cas", roles: []) { request, context in
            let body = try await RequestBody.json(NewCABody.self, request, context: context, allowedKeys: NewCABody.keys)
            let ca = try await services.core.createCA(try body.request(requester: context.requester))
            return try .json(CAResource(ca, metadata: .object([:])), status: .created)
        }
        routes.add(.post, "\(prefix)/cas/import", roles: []) { request, context in
            let body = try await RequestBody.json(ImportCABody.self, request, context: context, allowedKeys: ["id", "certificate"])
            let ca = try await services.core.importCA(id: body.id, certificate: Array(body.certificate.utf8), requester: context.requester)
            return try .json(CAResource(ca, metadata: .object([:])), status: .created)
        }
        routes.add(.get, "\(prefix)/cas/{id}", roles: readers) { _, context in
            let id = try context.parameters.require("id")
            guard let (ca, metadata) = try await services.catalog.ca(id: id) else { throw APIError.notFound("no CA with id '\(id)'") }
            return try .json(CAResource(ca, metadata: metadata))
        }
        routes.add(.get, "\(prefix)/cas/{id}/certificates", roles: readers) { request, context in
            let id = try context.parameters.require("id")
            guard try await services.catalog.ca(id: id) != nil else { throw APIError.notFound("no CA with id '\(id)'") }
            var list = try ListRequest(queryItems: request.queryItems, schema: Schemas.certificates)
            list.filters.append(Filter(field: "issuer_ca_id", jsonPath: [], op: .eq, value: id))
            return try await CertificateRoutes.page(list, services: services)
        }
        MetadataPatch.register(routes, "\(prefix)/cas/{id}/metadata", roles: [.operator], missing: { "no CA with id '\($0)'" }) { id, patch, _, _ in
            try await services.catalog.patchCAMetadata(id: id, patch: patch)
        }
        routes.add(.delete, "\(prefix)/cas/{id}", roles: []) { request, context in
            let id = try context.parameters.require("id")
            let cascade = try request.flag("cascade")
            do {
                try await services.catalog.retireCA(id: id, cascade: cascade)
            } catch let error as Catalog.EditError {
                throw error.apiError
            }
            return Response(status: .noContent)
        }
        routes.add(.post, "\(prefix)/cas/{id}/status", roles: []) { request, context in
            let id = try context.parameters.require("id")
            let body = try await RequestBody.json(StatusBody.self, request, context: context, allowedKeys: ["status", "revocation_reason"])
            guard body.status == "REVOKED" else {
                throw APIError.badRequest("a CA's status can only be set to REVOKED (revocation is final), got '\(body.status)'")
            }
            let outcome = try await services.core.revokeCA(id: id, reason: try body.reason(default: .cessationOfOperation), requester: context.requester)
            guard let (ca, metadata) = try await services.catalog.ca(id: id) else { throw APIError.notFound("no CA with id '\(id)'") }
            return try .json(CARevocationResource(ca: try CAResource(ca, metadata: metadata), revokedCAs: outcome.revokedCAs, revokedCertificates: outcome.revokedCertificates))
        }
        routes.add(.post, "\(prefix)/cas/{id}/crl", roles: [.operator]) { _, context in
            let id = try context.parameters.require("id")
            let published = try await services.core.publishCRLs(caID: id, forceFull: true, requester: context.requester)
            return try .json(["published": published.map { CRLSummary($0) }])
        }
        routes.add(.put, "\(prefix)/cas/{id}/ocsp-signer", roles: []) { request, context in
            let id = try context.parameters.require("id")
            let body = try await RequestBody.json(OCSPSignerBody.self, request, context: context, allowedKeys: OCSPSignerBody.keys)
            let ca = try await services.core.setOCSPSigner(caID: id, profileID: try body.profile(), keySpec: try body.keySpec(), requester: context.requester)
            guard let (_, metadata) = try await services.catalog.ca(id: id) else { throw APIError.notFound("no CA with id '\(id)'") }
            return try .json(CAResource(ca, metadata: metadata))
        }
        routes.add(.put, "\(prefix)/cas/{id}/allowed-profiles", roles: []) { request, context in
            let id = try context.parameters.require("id")
            let body = try await RequestBody.json(AllowedProfilesBody.self, request, context: context, allowedKeys: ["allowed_profiles"])
            _ = try await services.core.setAllowedProfiles(caID: id, profiles: body.allowedProfiles, requester: context.requester)
            guard let (ca, metadata) = try await services.catalog.ca(id: id) else { throw APIError.notFound("no CA with id '\(id)'") }
            return try .json(CAResource(ca, metadata: metadata))
        }
        routes.add(.post, "\(prefix)/cas/{id}/external-cas", roles: []) { request, context in
            let id = try context.parameters.require("id")
            let body = try await RequestBody.json(ExternalCABody.self, request, context: context, allowedKeys: ["id", "csr", "profile_id"])
            let ca = try await services.core.signExternalCA(ExternalCARequest(
                id: body.id, parentID: id, csr: Array(body.csr.utf8), profileID: body.profileID, requester: context.requester
            ))
            return try .json(CAResource(ca, metadata: .object([:])), status: .created)
        }
        routes.add(.post, "\(prefix)/cas/{id}/sign", roles: [.operator]) { request, context in
            let id = try context.parameters.require("id")
            let body = try await RequestBody.json(SignBody.self, request, context: context, allowedKeys: SignBody.keys)
            let issued = try await services.core.issue(csr: Array(body.csr.utf8), caID: id, profileID: body.profileID, requester: context.requester)
            context.logFacts.set("serial", issued.record.serialNumber)
            var response = try Response.json(CertificateResource(issued.record, metadata: .object([:])), status: .created)
            response.headers[.signetDecision] = issued.decisionID.uuidString.lowercased()
            return response
        }
    }
}

struct SignBody: Decodable {
    static let keys: Set<String> = ["csr", "profile_id"]
    let csr: String
    let profileID: String?
    enum CodingKeys: String, CodingKey { case csr, profileID = "profile_id" }
}

struct AllowedProfilesBody: Decodable {
    let allowedProfiles: [String]
    enum CodingKeys: String, CodingKey { case allowedProfiles = "allowed_profiles" }
}

/// A CA certificate for a key held outside Signet, signed by the CA in the path.
struct ExternalCABody: Decodable {
    let id: String
    let csr: String
    let profileID: String
    enum CodingKeys: String, CodingKey { case id, csr, profileID = "profile_id" }
}

struct ImportCABody: Decodable {
    let id: String
    let certificate: String
}

/// A new root (no `parent_id`) or subordinate CA.
struct NewCABody: Decodable {
    static let keys: Set<String> = ["id", "parent_id", "subject", "key_type", "key_size", "profile_id", "ca_issuance_profile_id", "allowed_profiles", "validity"]

    let id: String
    let parentID: String?
    let subject: IssuanceProfile.SubjectTemplate
    let keyType: String?
    let keySize: Int?
    let profileID: String
    let caIssuanceProfileID: String
    let allowedProfiles: [String]?
    let validity: IssuanceProfile.Validity?

    enum CodingKeys: String, CodingKey {
        case id, subject, validity
        case parentID = "parent_id", keyType = "key_type", keySize = "key_size", profileID = "profile_id", caIssuanceProfileID = "ca_issuance_profile_id"
        case allowedProfiles = "allowed_profiles"
    }

    func request(requester: Requester) throws -> CACreationRequest {
        // Without key fields the gate picks the parent's key type, else the CA profile's.
        let spec: KeySpec?
        switch (keyType, keySize) {
        case (let type?, let size?): spec = try KeySpec(apiType: type, size: size)
        case (nil, nil): spec = nil
        default: throw APIError.badRequest("key_type and key_size go together; give both, or neither for the default")
        }
        let name = subject.distinguishedName
        guard !name.isEmpty else { throw APIError.badRequest("subject must name at least common_name") }
        var request = CACreationRequest(
            id: id, subject: name, keySpec: spec, profileID: profileID, issuanceProfileID: caIssuanceProfileID, parentID: parentID, requester: requester
        )
        request.validity = validity
        request.allowedProfiles = allowedProfiles
        return request
    }
}

extension Request {
    /// Query items as (name, value) pairs, for the query language.
    var queryItems: [(String, String)] {
        uri.queryParameters.map { (String($0.key), String($0.value)) }
    }

    /// A boolean query flag: absent or `false` is false, `true` is true, anything else is an error.
    func flag(_ name: String) throws -> Bool {
        guard let value = uri.queryParameters[Substring(name)] else { return false }
        switch value.lowercased() {
        case "true": return true
        case "false": return false
        default: throw APIError.badRequest("query parameter \(name) must be true or false, got '\(value)'")
        }
    }
}

extension Catalog.EditError {
    var apiError: APIError {
        switch self {
        case .notFound(let what): .notFound(what)
        case .conflict(let what): .conflict(what)
        case .invalid(let what): APIError(status: .unprocessableContent, code: "invalid_reference", message: what)
        case .malformed(let what): .badRequest(what)
        }
    }
}

