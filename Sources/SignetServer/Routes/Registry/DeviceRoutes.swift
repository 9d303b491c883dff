import Foundation
import Hummingbird
import SignetDMS
import SignetQuery
import SignetStore

/// `/api/devmanager/v1/devices…`: registration, lifecycle, events and statistics.
enum DeviceRoutes {
    static let prefix = "/api/devmanager/v1"

    static func register(_ routes: RouteTable, services: SignetServer.Services) {
        routes.add(.get, "\(prefix)/devices", roles: CARoutes.readers) { request, _ in
            let page = try await services.registry.devices(try ListRequest(queryItems: request.queryItems, schema: Schemas.devices))
            return try .json(ListPage(list: page.rows.map { DeviceResource($0, withSlots: false) }, next: page.next))
        }
        routes.add(.post, "\(prefix)/devices", roles: DMSRoutes.writers) { request, context in
            let device = try DeviceRules.registration(try await RegistryBody.json(request, context: context))
            if let rejection = try await services.registry.register([device], actor: context.actor).first {
                switch rejection.kind {
                case .unknownDMS, .missingGroup, .unknownGroup: throw APIError(status: .unprocessableContent, code: "invalid_reference", message: rejection.reason)
                case .idTaken: throw APIError.conflict(rejection.reason)
                }
            }
            return try .json(DeviceResource(try await existing(device.id, services), withSlots: true), status: .created)
        }
        routes.add(.get, "\(prefix)/devices/{id}", roles: CARoutes.readers) { _, context in
            try .json(DeviceResource(try await existing(try context.parameters.require("id"), services), withSlots: true))
        }
        MetadataPatch.register(routes, "\(prefix)/devices/{id}/metadata", roles: DMSRoutes.writers, missing: { "no device with id '\($0)'" }) { id, patch, kind, context in
            try await services.registry.patchDeviceMetadata(id: id, patch: patch, actor: context.actor, detail: "metadata \(kind.rawValue)")
        }
        routes.add(.patch, "\(prefix)/devices/{id}", roles: DMSRoutes.writers) { request, context in
            let id = try context.parameters.require("id")
            let change = try DeviceRules.change(try await RegistryBody.json(request, context: context))
            if let owner = change.dmsOwner {
                // Moving a device between populations changes which policy enrolls it.
                do { try context.require([.admin]) } catch {
                    throw APIError.forbidden("changing dms_owner (to '\(owner)') needs the admin role")
                }
            }
            try await services.registry.updateDevice(id: id, change, actor: context.actor)
            return try .json(DeviceResource(try await existing(id, services), withSlots: true))
        }
        routes.add(.post, "\(prefix)/devices/{id}/slots/{slot}/rollback", roles: DMSRoutes.writers) { request, context in
            let id = try context.parameters.require("id")
            let body = try await RegistryBody.json(request, context: context)
            _ = try await services.lifecycle.rollbackSlot(deviceID: id, slot: try context.parameters.require("slot"), body, actor: context.actor)
            return try .json(DeviceResource(try await existing(id, services), withSlots: true))
        }
        for (action, enabled) in [("disable", false), ("enable", true)] {
            routes.add(.post, "\(prefix)/devices/{id}/\(action)", roles: DMSRoutes.writers) { _, context in
                let id = try context.parameters.require("id")
                try await services.registry.setEnabled(enabled, deviceID: id, actor: context.actor)
                return try .json(DeviceResource(try await existing(id, services), withSlots: true))
            }
        }
        routes.add(.put, "\(prefix)/devices/{id}/slots/{slot}", roles: DMSRoutes.writers) { request, context in
            let id = try context.parameters.require("id")
            let body = try await RegistryBody.json(request, context: context)
            _ = try await services.lifecycle.bindSlot(deviceID: id, slot: try context.parameters.require("slot"), body, actor: context.actor)
            return try .json(DeviceResource(try await existing(id, services), withSlots: true))
        }
        routes.add(.delete, "\(prefix)/devices/{id}/decommission", roles: DMSRoutes.writers) { _, context in
            let id = try context.parameters.require("id")
            _ = try await services.lifecycle.decommission(deviceID: id, actor: context.actor)
            return try .json(DeviceResource(try await existing(id, services), withSlots: true))
        }
        routes.add(.delete, "\(prefix)/devices/{id}", roles: DMSRoutes.writers) { _, context in
            try await services.registry.deleteDevice(id: try context.parameters.require("id"))
            return Response(status: .noContent)
        }
        routes.add(.get, "\(prefix)/devices/{id}/events", roles: CARoutes.readers) { request, context in
            let id = try context.parameters.require("id")
            _ = try await existing(id, services)
            let list = try ListRequest(queryItems: request.queryItems, schema: Schemas.deviceEvents)
            if list.filters.contains(where: { $0.field == "device_id" }) { throw APIError.badRequest("the device is the one in the URL; do not filter on device_id", code: "invalid_query") }
            let page = try await services.registry.events(list, deviceID: id)
            return try .json(ListPage(list: page.rows.map(DeviceEventResource.init), next: page.next))
        }
        routes.add(.get, "\(prefix)/stats", roles: CARoutes.readers) { request, _ in
            let filters = try StatsQuery.filters(request, schema: Schemas.devices)
            return try .json(DeviceStatsResource(try await services.registry.deviceStats(filters)))
        }
        routes.add(.post, "\(prefix)/devices/batch", roles: DMSRoutes.writers) { request, context in
            let type = request.headers[.contentType]?.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            guard type == "text/csv" else { throw APIError.unsupportedMediaType("expected Content-Type text/csv, got \(type ?? "none")") }
            let bytes = try await RequestBody.bytes(request, context: context, limit: JobRoutes.maxImportBytes)
            guard !bytes.contains(0) else { throw APIError.badRequest("the CSV holds a NUL byte; Signet stores no U+0000", code: "invalid_csv") }
            let rows = try DeviceImport(csv: bytes).rows().count
            let id = try await services.registry.createJob(kind: "DEVICE_IMPORT", actor: context.actor, input: bytes, totalRows: rows)
            guard let job = try await services.registry.job(id: id) else { throw APIError.notFound("job \(id) vanished") }
            var response = try Response.json(JobResource(job), status: .accepted)
            response.headers[.location] = "\(prefix)/jobs/\(id.uuidString.lowercased())"
            return response
        }
    }

    static func existing(_ id: String, _ services: SignetServer.Services) async throws -> DeviceRow {
        guard let device = try await services.registry.device(id: id) else { throw APIError.notFound("no device with id '\(id)'") }
        return device
    }
}

/// `/api/devmanager/v1/jobs/{id}`: what a batch registration did, row by row.
enum JobRoutes {
    /// A CSV of 100,000 devices with tags and metadata is a few MiB.
    static let maxImportBytes = 64 << 20

    static func register(_ routes: RouteTable, services: SignetServer.Services) {
        routes.add(.get, "\(DeviceRoutes.prefix)/jobs/{id}", roles: CARoutes.readers) { _, context in
            let text = try context.parameters.require("id")
            guard let id = UUID(uuidString: text), let job = try await services.registry.job(id: id) else { throw APIError.notFound("no job with id '\(text)'") }
            return try .json(JobResource(job))
        }
    }
}
