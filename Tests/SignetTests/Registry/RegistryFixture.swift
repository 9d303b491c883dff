import Foundation
import SignetCore
import Testing

/// A CA and a DMS of their own behind the shared server, with helpers for the DMS and
/// device APIs. Devices get real certificates from the CA, with short-lived profiles so that
/// every status can be reached.
struct RegistryFixture {
    let ca: RevocationFixture
    let dmsID: String
    /// Operator: manages DMSs and devices.
    let token: String
    var server: ServerFixture { ca.server }

    static func make(_ prefix: String, preventive: String = "2h", critical: String = "1h") async throws -> RegistryFixture {
        let ca = try await RevocationFixture.make(prefix + "-ca")
        let fixture = RegistryFixture(ca: ca, dmsID: unique(prefix), token: ca.server.token(["operator"]))
        let created = try fixture.post("/api/dmsmanager/v1/dms", fixture.dmsDocument(id: fixture.dmsID, preventive: preventive, critical: critical))
        guard created.status == 201 else { throw TestSetupError("cannot create DMS: \(created.text)") }
        return fixture
    }

    /// The reviewed JITP template pointed at this fixture's CAs.
    func dmsDocument(id: String, preventive: String = "2h", critical: String = "1h") throws -> [String: Any] {
        let url = GateFixture.repositoryRoot.appendingPathComponent("policies/dms/jitp-fleet.json")
        var document = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        var settings = try #require(document["settings"] as? [String: Any])
        var enrollment = try #require(settings["enrollment_settings"] as? [String: Any])
        enrollment["enrollment_ca"] = ca.caID
        enrollment["est_rfc7030_settings"] = ["auth_mode": "CLIENT_CERTIFICATE", "client_certificate_settings": ["validation_cas": [server.gate.rootID]]]
        settings["enrollment_settings"] = enrollment
        var reenrollment = try #require(settings["reenrollment_settings"] as? [String: Any])
        reenrollment["preventive_delta"] = preventive
        reenrollment["critical_delta"] = critical
        reenrollment["reenrollment_delta"] = preventive
        settings["reenrollment_settings"] = reenrollment
        settings["ca_distribution_settings"] = ["managed_cas": [server.gate.rootID]]
        document["id"] = id
        document["settings"] = settings
        return document
    }

    func post(_ path: String, _ body: Any, token: String? = nil) throws -> ServerFixture.HTTPResult {
        try server.curl("POST", path, token: token ?? self.token, body: try server.json(body))
    }

    func register(_ id: String, tags: [String] = [], metadata: [String: Any] = [:], group: String? = nil, dms: String? = nil) throws -> ServerFixture.HTTPResult {
        var body: [String: Any] = ["id": id, "dms_owner": dms ?? dmsID, "tags": tags, "metadata": metadata]
        if let group { body["group"] = group }
        return try post("/api/devmanager/v1/devices", body)
    }

    /// Issues a certificate for a device (its id as CN) under `profile` (the CA's default if nil).
    func issue(for deviceID: String, profile: String? = nil) throws -> (serial: String, file: String) {
        let csr = try OpenSSLCSR.make(subject: "/CN=\(deviceID)", in: server.scratch)
        var body = ["csr": String(decoding: csr, as: UTF8.self)]
        if let profile { body["profile_id"] = profile }
        let signed = try server.curl("POST", "/api/ca/v1/cas/\(ca.caID)/sign", token: ca.admin, body: try server.json(body))
        guard signed.status == 201, let serial = try signed.json()["serial_number"] as? String, let pem = try signed.json()["certificate"] as? String else {
            throw TestSetupError("cannot issue for \(deviceID): \(signed.text)")
        }
        return (serial, try server.scratch.write("\(serial).pem", Array(pem.utf8)))
    }

    func bind(_ deviceID: String, _ serial: String, mode: String = "ENROLLMENT") throws -> ServerFixture.HTTPResult {
        try post("/api/dmsmanager/v1/dms/bind-identity", ["bind_mode": mode, "device_id": deviceID, "certificate_serial_number": serial])
    }

    /// Registers a device and gives it an identity certificate under `profile`.
    @discardableResult
    func provisioned(_ id: String, profile: String? = nil) throws -> String {
        let registered = try register(id)
        guard registered.status == 201 else { throw TestSetupError("register \(id): \(registered.text)") }
        let certificate = try issue(for: id, profile: profile)
        let bound = try bind(id, certificate.serial)
        guard bound.status == 200 else { throw TestSetupError("bind \(id): \(bound.text)") }
        return certificate.serial
    }

    func device(_ id: String) throws -> [String: Any] {
        let result = try server.curl("GET", "/api/devmanager/v1/devices/\(id)", token: token)
        guard result.status == 200 else { throw TestSetupError("GET device \(id): \(result.status) \(result.text)") }
        return try result.json()
    }

    /// Ids of this DMS's devices matching the filters (all pages).
    func ids(_ filters: [String], path: String = "/api/devmanager/v1/devices") throws -> [String] {
        var ids: [String] = []
        var bookmark = ""
        repeat {
            let query = bookmark.isEmpty ? Self.query((["dms_owner[eq]\(dmsID)"] + filters).map { ("filter", $0) } + [("page_size", "50")]) : Self.query([("bookmark", bookmark)])
            let result = try server.curl("GET", "\(path)?\(query)", token: token)
            guard result.status == 200 else { throw TestSetupError("list: \(result.status) \(result.text)") }
            let body = try result.json()
            ids += (body["list"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
            bookmark = body["next"] as? String ?? ""
        } while !bookmark.isEmpty
        return ids
    }

    static func query(_ items: [(String, String)]) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return items.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed) ?? $0.1)" }.joined(separator: "&")
    }

    /// A device profile like iot-device, valid for `duration`.
    func profile(valid duration: String) async throws -> String {
        let id = try await server.gate.profile(from: "iot-device", allowOnIssuingCA: false) { $0.validity = .init(type: .duration, duration: duration) }
        try ca.allow(id)
        return id
    }

    static func error(_ result: ServerFixture.HTTPResult) -> [String: Any] {
        ((try? result.json())?["error"] as? [String: Any]) ?? [:]
    }
}
