import Foundation
import SignetCore
import SignetQuery
import SignetStore

/// `/console/profiles`: the issuance profiles as stored, and (for operators) the explain
/// form: paste a CSR, see each rule's decision, nothing signed.
enum ConsoleProfiles {
    static func register(_ console: ConsoleRouter) {
        let services = console.services, renderer = console.renderer
        console.get("/console/profiles") { _, _, user in
            let page = try await services.catalog.profiles(try ListRequest(queryItems: [("page_size", "200"), ("sort_by", "id")], schema: Schemas.profiles))
            let rows: [[String: Any]] = page.rows.map { ["id": $0.profile.id, "version": $0.version] }
            return renderer.page("profiles", title: "Issuance profiles", user: user, section: "profiles", ["rows": rows])
        }
        console.get("/console/profiles/:id") { _, context, user in
            let stored = try await profile(try context.parameters.require("id"), services)
            return renderer.page("profile", title: "Profile \(stored.profile.id)", user: user, section: "profiles", values(stored, user))
        }
        console.post("/console/profiles/:id/explain", roles: [.operator]) { _, context, user in
            let stored = try await profile(try context.parameters.require("id"), services)
            let csr = context.consoleForm["csr"] ?? ""
            let caID = context.consoleForm["ca_id"].flatMap { $0.isEmpty ? nil : $0 }
            let explanation = try await services.core.explain(csr: Array(csr.utf8), profileID: stored.profile.id, caID: caID, requester: user.requester)
            var page = values(stored, user)
            page["explanation"] = ConsoleValue.of(ExplanationResource(explanation))
            page["csr"] = csr
            page["ca_id"] = caID ?? ""
            return renderer.page("profile", title: "Profile \(stored.profile.id)", user: user, section: "profiles", page)
        }
    }

    static func profile(_ id: String, _ services: SignetServer.Services) async throws -> StoredProfile {
        guard let stored = try await services.database.stores.profiles.profile(id: id) else {
            throw ConsoleRefusal(status: .notFound, message: "There is no issuance profile '\(id)'.")
        }
        return stored
    }

    static func values(_ stored: StoredProfile, _ user: ConsoleUser) -> [String: Any] {
        ["id": stored.profile.id, "version": stored.version, "document": ConsoleValue.prettyJSON(ProfileResource(stored)),
         "can_explain": user.canOperate, "csrf": user.session.csrfToken]
    }
}

/// `/console/dms`: the device populations, each DMS's settings as a readable summary, and
/// (for operators) a one-time passcode, shown once.
enum ConsoleDMS {
    static func register(_ console: ConsoleRouter) {
        let services = console.services, renderer = console.renderer
        console.get("/console/dms") { _, _, user in
            let page = try await services.registry.dmsList(try ListRequest(queryItems: [("page_size", "200"), ("sort_by", "id")], schema: Schemas.dms))
            return renderer.page("dms-list", title: "Device management", user: user, section: "dms", ["rows": page.rows.map { ConsoleValue.of(DMSResource($0)) }])
        }
        console.get("/console/dms/:id") { _, context, user in
            let record = try await dms(try context.parameters.require("id"), services)
            return renderer.page("dms", title: "DMS \(record.id)", user: user, section: "dms", values(record, user))
        }
        console.post("/console/dms/:id/passcodes", roles: [.operator]) { _, context, user in
            let record = try await dms(try context.parameters.require("id"), services)
            guard let device = context.consoleForm["device_id"], !device.isEmpty else { throw ConsoleRefusal(status: .badRequest, message: "Name the device the passcode is for.") }
            let passcode = try await services.lifecycle.issuePasscode(dms: record, deviceID: device, actor: user.actor)
            var page = values(record, user)
            page["passcode"] = ["text": passcode.text, "device": device, "uses": passcode.uses, "expires_at": RFC3339.string(passcode.expiresAt)]
            return renderer.page("dms", title: "DMS \(record.id)", user: user, section: "dms", page)
        }
    }

    static func dms(_ id: String, _ services: SignetServer.Services) async throws -> DMSRecord {
        guard let record = try await services.registry.dms(id: id) else { throw ConsoleRefusal(status: .notFound, message: "There is no DMS '\(id)'.") }
        return record
    }

    static func values(_ record: DMSRecord, _ user: ConsoleUser) -> [String: Any] {
        let resource = DMSResource(record)
        return ["id": record.id, "name": record.name, "summary": DMSSummary.lines(resource.settings), "settings": ConsoleValue.prettyJSON(resource.settings),
                "can_issue_passcode": user.canOperate, "csrf": user.session.csrfToken]
    }
}

/// A DMS's settings as sentences a reviewer reads at a glance; the full JSON sits below.
enum DMSSummary {
    static func lines(_ settings: JSONValue) -> [String] {
        func at(_ path: String...) -> JSONValue? {
            var value: JSONValue? = settings
            for key in path { if case .object(let members)? = value { value = members[key] } else { return nil } }
            return value
        }
        func text(_ value: JSONValue?) -> String? {
            switch value {
            case .string(let text)?: text
            case .number(let number)?: number.description
            case .bool(let flag)?: flag ? "yes" : "no"
            case .array(let items)?: items.compactMap { text($0) }.joined(separator: ", ")
            default: nil
            }
        }
        var lines: [String] = []
        if let ca = text(at("enrollment_settings", "enrollment_ca")) { lines.append("Enrolls with CA \(ca)") }
        if let profile = text(at("enrollment_settings", "issuance_profile_id")) { lines.append("Issuance profile \(profile)") }
        if let mode = text(at("enrollment_settings", "registration_mode")) { lines.append("Registration: \(mode)") }
        if let auth = text(at("enrollment_settings", "est_rfc7030_settings", "auth_mode")) { lines.append("EST authentication: \(auth)") }
        if let cas = text(at("enrollment_settings", "est_rfc7030_settings", "client_certificate_settings", "validation_cas")), !cas.isEmpty {
            lines.append("Bootstrap certificates from: \(cas)")
        }
        if let delta = text(at("reenrollment_settings", "reenrollment_delta")) { lines.append("Re-enrollment opens \(delta) before expiry") }
        if let replace = text(at("enrollment_settings", "enable_replaceable_enrollment")) { lines.append("Replaceable enrollment: \(replace)") }
        return lines
    }
}

/// `/console/jobs`: import jobs with their progress.
enum ConsoleJobs {
    static func register(_ console: ConsoleRouter) {
        let services = console.services, renderer = console.renderer
        console.get("/console/jobs") { _, _, user in
            let jobs = try await services.registry.recentJobs(limit: 50)
            let rows: [[String: Any]] = jobs.map { job in
                var row = ConsoleValue.of(JobResource(job)) as? [String: Any] ?? [:]
                row["percent"] = job.totalRows == 0 ? 0 : job.processedRows * 100 / job.totalRows
                return row
            }
            return renderer.page("jobs", title: "Import jobs", user: user, section: "jobs", ["rows": rows, "empty": rows.isEmpty])
        }
    }
}

extension ConsoleValue {
    static func prettyJSON<T: Encodable>(_ value: T) -> String {
        // Its own encoder: the API's is shared.
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? ""
    }
}
