import Foundation
import SignetCore
import SignetQuery
import SignetStore

/// `/console`: token and database health, the CAs with their expiry, the last hour's
/// issuance, the devices by status, and the audit chain's state.
enum ConsoleOverview {
    static func register(_ console: ConsoleRouter) {
        let services = console.services, renderer = console.renderer
        console.get("/console") { _, context, user in
            let token = services.token
            let tokenUp = (try? await token.perform { try token.probe() }) != nil
            let databaseUp = await DatabaseHealth(client: services.database.client, logger: context.logger).ping(within: .seconds(2))
            let cas = try await services.catalog.cas(try ListRequest(queryItems: [("page_size", "100"), ("sort_by", "id")], schema: Schemas.cas))
            let outcomes = try await services.catalog.issuanceOutcomesLastHour()
            let devices = try await services.registry.deviceStats([])
            let audit = AuditStatusBody(try await services.database.auditCheckpoints.status(), settings: services.auditSettings)
            let now = Date()
            let authorities: [[String: Any]] = try cas.rows.map { row in
                let resource = try CAResource(row.0, metadata: row.1)
                let days = Int(resource.validTo.timeIntervalSince(now) / 86_400)
                return ["id": resource.id, "status": resource.status, "valid_to": RFC3339.string(resource.validTo), "days_left": days, "expiring": days < 90]
            }
            return renderer.page("overview", title: "Overview", user: user, section: "overview", [
                "token_up": tokenUp, "database_up": databaseUp,
                "cas": authorities,
                "issued": outcomes["APPROVED"] ?? 0, "refused": outcomes["REFUSED"] ?? 0, "failed": outcomes["FAILED"] ?? 0,
                "devices_total": devices.total,
                "device_chart": StatusChart.svg(DeviceStatus.names.map { ($0, devices.byStatus[$0] ?? 0) }),
                "audit": ConsoleValue.of(audit), "audit_ok": audit.problems.isEmpty,
            ])
        }
    }
}

/// A horizontal bar chart as inline SVG, drawn here: the page fetches nothing and runs no script.
enum StatusChart {
    static func svg(_ bars: [(label: String, value: Int)]) -> String {
        let width = 520.0, labelWidth = 150.0, barHeight = 22.0, gap = 6.0
        let top = Double(max(1, bars.map(\.value).max() ?? 1))
        var rows = ""
        for (index, bar) in bars.enumerated() {
            let y = Double(index) * (barHeight + gap)
            let length = (width - labelWidth - 60) * Double(bar.value) / top
            rows += """
            <text x="0" y="\(y + 15)" class="chart-label">\(escape(bar.label))</text>\
            <rect x="\(labelWidth)" y="\(y)" width="\(String(format: "%.1f", length))" height="\(barHeight)" class="chart-bar"/>\
            <text x="\(String(format: "%.1f", labelWidth + length + 6))" y="\(y + 15)" class="chart-value">\(bar.value)</text>
            """
        }
        let height = Double(bars.count) * (barHeight + gap)
        return #"<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="devices by status" viewBox="0 0 \#(Int(width)) \#(Int(height))" width="\#(Int(width))" height="\#(Int(height))">\#(rows)</svg>"#
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
