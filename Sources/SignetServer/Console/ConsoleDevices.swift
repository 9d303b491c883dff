import Foundation
import SignetQuery
import SignetStore

/// `/console/devices`: devices by derived status, each with its slots, their versions and its
/// event timeline, and (for operators) enable, disable and decommission.
enum ConsoleDevices {
    static func register(_ console: ConsoleRouter) {
        let services = console.services, renderer = console.renderer
        console.get("/console/devices") { request, _, user in
            let status = request.uri.queryParameters.get("status").map { String($0) }
            let dms = request.uri.queryParameters.get("dms").map { String($0) }
            let list = ConsoleList(request, pageSize: 50, sortBy: "id", descending: false,
                                   filters: [status.map { "status[eq]\($0)" }, dms.map { "dms_owner[eq]\($0)" }].compactMap { $0 })
            let page = try await services.registry.devices(try list.request(Schemas.devices))
            let filters: [[String: Any]] = [["name": "all", "href": "/console/devices", "current": status == nil]]
                + DeviceStatus.names.map { ["name": $0, "href": "/console/devices?status=\($0)", "current": status == $0] }
            return renderer.page("devices", title: "Devices", user: user, section: "devices", [
                "filters": filters,
                "rows": page.rows.map { ConsoleValue.of(DeviceResource($0, withSlots: false)) },
                "empty": page.rows.isEmpty,
                "next": (page.next.isEmpty ? nil : "/console/devices?\(status.map { "status=\(ConsoleURL.component($0))&" } ?? "")\(dms.map { "dms=\(ConsoleURL.component($0))&" } ?? "")bookmark=\(ConsoleURL.component(page.next))") as Any,
            ])
        }
        console.get("/console/devices/:id") { request, context, user in
            let id = try context.parameters.require("id")
            guard let device = try await services.registry.device(id: id) else { throw ConsoleRefusal(status: .notFound, message: "There is no device '\(id)'.") }
            let events = try await services.registry.events(try ListRequest(queryItems: [("page_size", "100"), ("sort_mode", "desc")], schema: Schemas.deviceEvents), deviceID: id)
            var values = ConsoleValue.of(DeviceResource(device, withSlots: true)) as? [String: Any] ?? [:]
            let resource = DeviceResource(device, withSlots: true)
            let live = resource.decommissionedAt == nil
            values["events"] = events.rows.map { ConsoleValue.of(DeviceEventResource($0)) }
            values["can_disable"] = user.canOperate && live && resource.enabled
            values["can_enable"] = user.canOperate && live && !resource.enabled
            values["can_decommission"] = user.canOperate && live
            values["csrf"] = user.session.csrfToken
            values["notice"] = request.uri.queryParameters.get("done").map { "Done: \($0)." }
            return renderer.page("device", title: "Device \(id)", user: user, section: "devices", values)
        }
        for (action, enabled) in [("disable", false), ("enable", true)] {
            console.post("/console/devices/:id/\(action)", roles: [.operator]) { _, context, user in
                let id = try context.parameters.require("id")
                try await services.registry.setEnabled(enabled, deviceID: id, actor: user.actor)
                return ConsoleRenderer.redirect("/console/devices/\(ConsoleURL.segment(id))?done=\(action)d")
            }
        }
        console.post("/console/devices/:id/decommission", roles: [.operator]) { _, context, user in
            let id = try context.parameters.require("id")
            _ = try await services.lifecycle.decommission(deviceID: id, actor: user.actor)
            return ConsoleRenderer.redirect("/console/devices/\(ConsoleURL.segment(id))?done=decommissioned")
        }
    }
}
