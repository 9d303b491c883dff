import Foundation
import Hummingbird
import SignetCore
import SignetQuery
import SignetStore

/// `/api/ca/v1/profiles…`: the issuance profiles, and what the gate would do with a CSR.
enum ProfileRoutes {
    static let prefix = "/api/ca/v1/profiles"

    static func register(_ routes: RouteTable, services: SignetServer.Services) {
        routes.add(.get, prefix, roles: CARoutes.readers) { request, _ in
            let page = try await services.catalog.profiles(try ListRequest(queryItems: request.queryItems, schema: Schemas.profiles))
            return try .json(ListPage(list: page.rows.map(ProfileResource.init), next: page.next))
        }
        routes.add(.post, prefix, roles: []) { request, context in
            let profile = try await readProfile(request, context: context)
            let stored = StoredProfile(profile)
            do { try await services.catalog.createProfile(stored) } catch let error as Catalog.EditError { throw error.apiError }
            return try .json(ProfileResource(stored), status: .created).naming(stored)
        }
        routes.add(.get, "\(prefix)/{id}", roles: CARoutes.readers) { _, context in
            let id = try context.parameters.require("id")
            guard let stored = try await services.database.stores.profiles.profile(id: id) else { throw APIError.notFound("no issuance profile with id '\(id)'") }
            return try .json(ProfileResource(stored))
        }
        routes.add(.put, "\(prefix)/{id}", roles: []) { request, context in
            let id = try context.parameters.require("id")
            let profile = try await readProfile(request, context: context)
            guard profile.id == id else { throw APIError.badRequest("the document's id '\(profile.id)' does not match the URL's '\(id)'") }
            guard try await services.database.stores.profiles.profile(id: id) != nil else { throw APIError.notFound("no issuance profile with id '\(id)'; create it with POST") }
            let stored = StoredProfile(profile)
            _ = try await services.database.stores.profiles.save(stored)
            return try .json(ProfileResource(stored)).naming(stored)
        }
        routes.add(.delete, "\(prefix)/{id}", roles: []) { _, context in
            let id = try context.parameters.require("id")
            do { try await services.catalog.deleteProfile(id: id) } catch let error as Catalog.EditError { throw error.apiError }
            return Response(status: .noContent)
        }
        routes.add(.post, "\(prefix)/{id}/explain", roles: [.operator]) { request, context in
            let id = try context.parameters.require("id")
            let body = try await RequestBody.json(ExplainBody.self, request, context: context, allowedKeys: ["csr", "ca_id"])
            let explanation = try await services.core.explain(csr: Array(body.csr.utf8), profileID: id, caID: body.caID, requester: context.requester)
            return try .json(ExplanationResource(explanation))
        }
    }

    static func readProfile(_ request: Request, context: SignetRequestContext) async throws -> IssuanceProfile {
        try RequestBody.requireJSON(request)
        return try IssuanceProfile.decode(Data(try await RequestBody.jsonBytes(request, context: context)))
    }
}

struct ExplainBody: Decodable {
    let csr: String
    let caID: String?
    enum CodingKeys: String, CodingKey { case csr, caID = "ca_id" }
}

/// A profile as the API shows it: the document plus its version hash.
struct ProfileResource: Encodable {
    let profile: IssuanceProfile
    let version: String

    init(_ stored: StoredProfile) {
        profile = stored.profile
        version = stored.version
    }

    func encode(to encoder: any Encoder) throws {
        try profile.encode(to: encoder)
        var container = encoder.container(keyedBy: VersionKey.self)
        try container.encode(version, forKey: .version)
    }

    enum VersionKey: String, CodingKey { case version }
}

/// The gate's rule-by-rule answer, and the certificate it would produce.
struct ExplanationResource: Encodable {
    let approved: Bool
    let failedRule: String?
    let rules: [RuleOutcome]
    let certificate: PlannedCertificate?

    struct PlannedCertificate: Encodable {
        let subject: String
        let validFrom: Date
        let validTo: Date
        let keyType: String
        let keySize: Int
        let extensions: [String]
        enum CodingKeys: String, CodingKey { case subject, extensions, validFrom = "valid_from", validTo = "valid_to", keyType = "key_type", keySize = "key_size" }
    }

    enum CodingKeys: String, CodingKey { case approved, rules, certificate, failedRule = "failed_rule" }

    init(_ explanation: SigningCore.Explanation) {
        approved = explanation.approved
        failedRule = explanation.failedRule
        rules = explanation.rules
        certificate = explanation.plan.map { plan in
            PlannedCertificate(
                subject: plan.subject.description, validFrom: plan.notBefore, validTo: plan.notAfter,
                keyType: plan.keyKind.typeName, keySize: plan.keyKind.size, extensions: plan.extensions.map { "\($0)" }
            )
        }
    }
}
