import Foundation
import Hummingbird
import SignetDMS
import SignetQuery
import SignetStore

/// `/api/devmanager/v1/device-groups…`: saved device criteria, nested under parents.
enum DeviceGroupRoutes {
    static let prefix = "\(DeviceRoutes.prefix)/device-groups"

    static func register(_ routes: RouteTable, services: SignetServer.Services) {
        routes.add(.get, prefix, roles: CARoutes.readers) { request, _ in
            let page = try await services.registry.groups(try ListRequest(queryItems: request.queryItems, schema: Schemas.deviceGroups))
            return try .json(ListPage(list: page.rows.map(DeviceGroupResource.init), next: page.next))
        }
        routes.add(.post, prefix, roles: DMSRoutes.writers) { request, context in
            let group = try DeviceGroupRules.group(try await RegistryBody.json(request, context: context))
            try await services.registry.saveGroup(group, create: true)
            return try .json(DeviceGroupResource(try await existing(group.id, services)), status: .created)
        }
        routes.add(.get, "\(prefix)/{id}", roles: CARoutes.readers) { _, context in
            try .json(DeviceGroupResource(try await existing(try context.parameters.require("id"), services)))
        }
        routes.add(.put, "\(prefix)/{id}", roles: DMSRoutes.writers) { request, context in
            let id = try context.parameters.require("id")
            let group = try DeviceGroupRules.group(try await RegistryBody.json(request, context: context), urlID: id)
            try await services.registry.saveGroup(group, create: false)
            return try .json(DeviceGroupResource(try await existing(id, services)))
        }
        routes.add(.delete, "\(prefix)/{id}", roles: DMSRoutes.writers) { _, context in
            try await services.registry.deleteGroup(id: try context.parameters.require("id"))
            return Response(status: .noContent)
        }
        routes.add(.get, "\(prefix)/{id}/devices", roles: CARoutes.readers) { request, context in
            let scope = try await members(of: try context.parameters.require("id"), services)
            let page = try await services.registry.devices(try ListRequest(queryItems: request.queryItems, schema: Schemas.devices), scope: scope)
            return try .json(ListPage(list: page.rows.map { DeviceResource($0, withSlots: false) }, next: page.next))
        }
        routes.add(.get, "\(prefix)/{id}/stats", roles: CARoutes.readers) { request, context in
            let scope = try await members(of: try context.parameters.require("id"), services)
            let filters = try StatsQuery.filters(request, schema: Schemas.devices)
            return try .json(DeviceStatsResource(try await services.registry.deviceStats(filters, scope: scope)))
        }
    }

    /// The filters every member satisfies: the group's criteria and its ancestors'.
    static func members(of id: String, _ services: SignetServer.Services) async throws -> [Filter] {
        guard let criteria = try await services.registry.membershipCriteria(groupID: id) else { throw APIError.notFound("no device group with id '\(id)'") }
        return try criteria.map { try Filter(parsing: $0, schema: Schemas.devices) }
    }

    static func existing(_ id: String, _ services: SignetServer.Services) async throws -> DeviceGroupRecord {
        guard let group = try await services.registry.group(id: id) else { throw APIError.notFound("no device group with id '\(id)'") }
        return group
    }
}
