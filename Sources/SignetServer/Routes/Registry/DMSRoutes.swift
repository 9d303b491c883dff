import Foundation
import Hummingbird
import SignetDMS
import SignetQuery
import SignetStore

/// `/api/dmsmanager/v1`: the enrollment policies, one per device population.
enum DMSRoutes {
    static let prefix = "/api/dmsmanager/v1"
    static let writers: Set<Role> = [.operator]

    static func register(_ routes: RouteTable, services: SignetServer.Services) {
        routes.add(.get, "\(prefix)/stats", roles: CARoutes.readers) { request, _ in
            let filters = try StatsQuery.filters(request, schema: Schemas.dms)
            return try .json(["count": try await services.registry.dmsCount(filters)])
        }
        routes.add(.get, "\(prefix)/dms", roles: CARoutes.readers) { request, _ in
            let page = try await services.registry.dmsList(try ListRequest(queryItems: request.queryItems, schema: Schemas.dms))
            return try .json(ListPage(list: page.rows.map(DMSResource.init), next: page.next))
        }
        routes.add(.post, "\(prefix)/dms", roles: writers) { request, context in
            let document = try DMSDocument(reading: try await RegistryBody.json(request, context: context))
            try await document.settings.checkReferences(
                cas: services.database.stores.cas, profiles: services.database.stores.profiles, systemCAsAvailable: !services.systemCAs.isEmpty
            )
            try await services.registry.createDMS(document.record)
            return try .json(DMSResource(try await existing(document.id, services)), status: .created)
        }
        routes.add(.get, "\(prefix)/dms/{id}", roles: CARoutes.readers) { _, context in
            try .json(DMSResource(try await existing(try context.parameters.require("id"), services)))
        }
        routes.add(.put, "\(prefix)/dms/{id}", roles: writers) { request, context in
            let id = try context.parameters.require("id")
            let document = try DMSDocument(reading: try await RegistryBody.json(request, context: context), urlID: id, allowMetadata: false)
            try await document.settings.checkReferences(
                cas: services.database.stores.cas, profiles: services.database.stores.profiles, systemCAsAvailable: !services.systemCAs.isEmpty
            )
            let record = document.record
            try await services.registry.replaceDMS(
                id: id, name: record.name, settings: record.settings, preventiveDelta: record.preventiveDelta, criticalDelta: record.criticalDelta
            )
            return try .json(DMSResource(try await existing(id, services)))
        }
        routes.add(.delete, "\(prefix)/dms/{id}", roles: writers) { _, context in
            try await services.registry.deleteDMS(id: try context.parameters.require("id"))
            return Response(status: .noContent)
        }
        MetadataPatch.register(routes, "\(prefix)/dms/{id}/metadata", roles: writers, missing: { "no DMS with id '\($0)'" }) { id, patch, _, _ in
            try await services.registry.patchDMSMetadata(id: id, patch: patch)
        }
        routes.add(.post, "\(prefix)/dms/{id}/passcodes", roles: writers) { request, context in
            let id = try context.parameters.require("id")
            let body = try await RequestBody.json(PasscodeBody.self, request, context: context, allowedKeys: ["device_id"])
            let passcode = try await services.lifecycle.issuePasscode(dms: try existing(id, services), deviceID: body.deviceID, actor: context.actor)
            return try .json(PasscodeResource(passcode: passcode.text, deviceID: body.deviceID, usageLimit: passcode.uses, expiresAt: passcode.expiresAt), status: .created)
        }
        routes.add(.post, "\(prefix)/dms/bind-identity", roles: writers) { request, context in
            let body = try await RequestBody.json(BindIdentityBody.self, request, context: context, allowedKeys: BindIdentityBody.keys)
            guard let binding = body.binding else {
                throw APIError.badRequest("bind_mode must be one of explicit, \(SlotBinding.allCases.map(\.rawValue).joined(separator: ", ")), got '\(body.bindMode)'")
            }
            _ = try await services.lifecycle.bindIdentity(deviceID: body.deviceID, serialNumber: body.serialNumber.lowercased(), binding: binding, actor: context.actor)
            guard let device = try await services.registry.device(id: body.deviceID) else { throw APIError.notFound("no device with id '\(body.deviceID)'") }
            return try .json(DeviceResource(device, withSlots: true))
        }
    }

    static func existing(_ id: String, _ services: SignetServer.Services) async throws -> DMSRecord {
        guard let record = try await services.registry.dms(id: id) else { throw APIError.notFound("no DMS with id '\(id)'") }
        return record
    }
}

/// `{"bind_mode": "ENROLLMENT", "device_id": "…", "certificate_serial_number": "…"}`.
struct BindIdentityBody: Decodable {
    static let keys: Set<String> = ["bind_mode", "device_id", "certificate_serial_number"]
    let bindMode: String
    let deviceID: String
    let serialNumber: String
    enum CodingKeys: String, CodingKey { case bindMode = "bind_mode", deviceID = "device_id", serialNumber = "certificate_serial_number" }

    /// `explicit` (an operator binding a certificate by hand, as other DMS docs write it) is
    /// an enrollment binding: PROVISIONED, or RE-PROVISIONED over an earlier identity.
    var binding: SlotBinding? {
        bindMode.lowercased() == "explicit" ? .enrollment : SlotBinding(rawValue: bindMode.uppercased())
    }
}

struct PasscodeBody: Decodable {
    let deviceID: String
    enum CodingKeys: String, CodingKey { case deviceID = "device_id" }
}

/// A passcode, shown this once; Signet keeps only its digest.
struct PasscodeResource: Encodable {
    let passcode: String
    let deviceID: String
    let usageLimit: Int
    let expiresAt: Date
    enum CodingKeys: String, CodingKey { case passcode, deviceID = "device_id", usageLimit = "usage_limit", expiresAt = "expires_at" }
}

/// Registry request bodies: JSON objects read as `JSONValue` for the strict field readers.
enum RegistryBody {
    static func json(_ request: Request, context: SignetRequestContext) async throws -> JSONValue {
        try RequestBody.requireJSON(request)
        let bytes = try await RequestBody.jsonBytes(request, context: context)
        guard let value = try? JSONValue(parsing: Data(bytes)) else { throw APIError.badRequest("the body is not valid JSON", code: "invalid_json") }
        guard case .object = value else { throw APIError.badRequest("the body must be a JSON object", code: "invalid_json") }
        return value
    }
}
