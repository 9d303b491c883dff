import Foundation
import Testing

/// An enrollment CA, a manufacturer CA that issues bootstrap certificates, and a DMS over
/// them, behind the shared server; EST requests are made with curl, answers read with openssl.
struct ESTFixture {
    let registry: RegistryFixture
    let manufacturer: RevocationFixture
    var server: ServerFixture { registry.server }
    var dmsID: String { registry.dmsID }

    /// `edit` changes the DMS document before it is created (auth mode, windows, …).
    static func make(_ prefix: String, server: ServerFixture? = nil, _ edit: (inout [String: Any], _ manufacturer: String) -> Void = { _, _ in }) async throws -> ESTFixture {
        let manufacturer = try await RevocationFixture.make(prefix + "-mfr", server: server)
        let enrollment = try await RevocationFixture.make(prefix + "-ca", server: server)
        let dmsID = unique(prefix)
        let registry = RegistryFixture(ca: enrollment, dmsID: dmsID, token: enrollment.server.token(["operator"]))
        let fixture = ESTFixture(registry: registry, manufacturer: manufacturer)
        _ = try fixture.anotherDMS(id: dmsID) { edit(&$0, manufacturer.caID) }
        return fixture
    }

    /// Creates a DMS over the fixture's CAs (bootstrap certificates from the manufacturer CA,
    /// identities from the enrollment CA, renewal open at once), changed by `edit`; its id.
    func anotherDMS(id: String = unique("est-dms"), _ edit: (inout [String: Any]) -> Void = { _ in }) throws -> String {
        var document = try registry.dmsDocument(id: id, preventive: "30d", critical: "7d")
        Self.set(&document, ["enrollment_settings", "est_rfc7030_settings"],
                 ["auth_mode": "CLIENT_CERTIFICATE", "client_certificate_settings": ["validation_cas": [manufacturer.caID]]])
        Self.set(&document, ["reenrollment_settings", "reenrollment_delta"], "9000h")
        Self.set(&document, ["ca_distribution_settings"], ["include_enrollment_ca": true, "managed_cas": []])
        edit(&document)
        let created = try registry.post("/api/dmsmanager/v1/dms", document)
        guard created.status == 201 else { throw TestSetupError("cannot create DMS: \(created.text)") }
        return id
    }

    /// Sets `settings.<path>` in a DMS document (nil removes it).
    static func set(_ document: inout [String: Any], _ path: [String], _ value: Any?) {
        func set(_ object: inout [String: Any], _ path: ArraySlice<String>) {
            guard let key = path.first else { return }
            if path.count == 1 { object[key] = value; return }
            var inner = object[key] as? [String: Any] ?? [:]
            set(&inner, path.dropFirst())
            object[key] = inner
        }
        set(&document, ["settings"] + path)
    }

    /// A fresh key and a CSR for it: (key file, CSR as base64 DER with line breaks).
    func csr(_ subject: String, key: [String] = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"], reuse keyFile: String? = nil, extra: [String] = []) throws -> (key: String, body: [UInt8]) {
        let name = unique("est")
        let keyPath = keyFile ?? server.scratch.path("\(name).key")
        // A -config names the subject itself: with -subj, openssl would drop its attributes.
        let naming = extra.contains("-config") ? [] : ["-subj", subject]
        var arguments = ["req", "-new", "-nodes"] + naming + ["-outform", "DER", "-out", server.scratch.path("\(name).der")] + extra
        arguments += keyFile == nil ? key + ["-keyout", keyPath] : ["-key", keyPath]
        let made = try Tool.run("openssl", arguments)
        guard made.status == 0 else { throw TestSetupError("openssl req: \(made.error)") }
        let der = try server.scratch.read("\(name).der")
        return (keyPath, Array(Data(der).base64EncodedString(options: .lineLength64Characters).utf8) + [0x0A])
    }

    /// A bootstrap certificate from the manufacturer CA for `device`: (certificate file, key file).
    func bootstrap(_ device: String, from issuer: RevocationFixture? = nil, profile: String? = nil,
                   key: [String] = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"]) throws -> (certificate: String, key: String) {
        let issuer = issuer ?? manufacturer
        let request = try csr("/CN=\(device)", key: key)
        let pem = "-----BEGIN CERTIFICATE REQUEST-----\n" + String(decoding: request.body, as: UTF8.self) + "-----END CERTIFICATE REQUEST-----\n"
        var body = ["csr": pem]
        if let profile { body["profile_id"] = profile }
        let signed = try server.curl("POST", "/api/ca/v1/cas/\(issuer.caID)/sign", token: issuer.admin, body: try server.json(body))
        guard signed.status == 201, let certificate = try signed.json()["certificate"] as? String else { throw TestSetupError("bootstrap: \(signed.text)") }
        return (try server.scratch.write(unique("boot") + ".pem", Array(certificate.utf8)), request.key)
    }

    struct Answer {
        let status: Int
        let headers: String
        let body: [UInt8]
        var text: String { String(decoding: body, as: UTF8.self) }
        func header(_ name: String) -> String? { ServerFixture.HTTPResult(status: status, body: body, headers: headers).header(name) }
    }

    /// One EST request with curl, as RFC 7030 clients make it.
    func est(_ operation: String, aps: String? = nil, body: [UInt8]? = nil, contentType: String = "application/pkcs10",
             certificate: (certificate: String, key: String)? = nil, basic: String? = nil, extra: [String] = [], on other: ServerFixture? = nil) throws -> Answer {
        let server = other ?? self.server
        let name = unique("est-response")
        var arguments = ["-sS", "--max-time", "20", "--cacert", server.rootFile, "-o", server.scratch.path(name), "-D", server.scratch.path(name + ".h"), "-w", "%{http_code}"] + extra
        if let certificate { arguments += ["--cert", certificate.certificate, "--key", certificate.key] }
        if let basic { arguments += ["-u", basic] }
        if let body { arguments += ["-H", "Content-Type: \(contentType)", "--data-binary", "@" + (try server.scratch.write(name + ".body", body))] }
        arguments.append("\(server.base)/.well-known/est/\((aps ?? dmsID).isEmpty ? "" : (aps ?? dmsID) + "/")\(operation)")
        let result = try Tool.run("curl", arguments)
        guard let status = Int(result.output) else { throw TestSetupError("curl failed: \(result.error)") }
        return Answer(status: status, headers: (try? server.scratch.read(name + ".h")).map { String(decoding: $0, as: UTF8.self) } ?? "", body: (try? server.scratch.read(name)) ?? [])
    }

    /// The certificates of a certs-only answer, as openssl prints them (after base64 -d).
    func certificates(_ answer: Answer) throws -> (text: String, firstPEM: String) {
        let der = try server.scratch.write(unique("p7") + ".der", Array(Data(base64Encoded: answer.text, options: .ignoreUnknownCharacters) ?? Data()))
        let printed = try Tool.run("openssl", ["pkcs7", "-inform", "DER", "-in", der, "-print_certs"])
        guard printed.status == 0 else { throw TestSetupError("openssl pkcs7: \(printed.error) for \(answer.text)") }
        let first = printed.output.components(separatedBy: "-----END CERTIFICATE-----").first.map { $0[$0.range(of: "-----BEGIN CERTIFICATE-----")!.lowerBound...] + "-----END CERTIFICATE-----\n" } ?? ""
        return (printed.output, String(first))
    }

    /// Enrolls `device` with a bootstrap certificate; returns the identity (certificate file, key file, serial).
    func enrolled(_ device: String, aps: String? = nil) throws -> (certificate: String, key: String, serial: String) {
        let request = try csr("/CN=\(device)")
        let answer = try est("simpleenroll", aps: aps, body: request.body, certificate: try bootstrap(device))
        guard answer.status == 200 else { throw TestSetupError("enroll \(device): \(answer.status) \(answer.text)") }
        let pem = try certificates(answer).firstPEM
        let file = try server.scratch.write(unique("identity") + ".pem", Array(pem.utf8))
        return (file, request.key, try serial(file))
    }

    /// The serial of a PEM certificate file, as Signet writes serials (lowercase hex).
    func serial(_ file: String) throws -> String {
        try Tool.run("openssl", ["x509", "-in", file, "-noout", "-serial"]).output
            .trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: "serial=", with: "").lowercased()
    }

    /// The certificate in a certs-only answer, written to a PEM file.
    func certificateFile(_ answer: Answer) throws -> String {
        try server.scratch.write(unique("issued") + ".pem", Array(try certificates(answer).firstPEM.utf8))
    }

    /// Registers `device` and binds it an identity (from the enrollment CA) that expires in
    /// 3 seconds; returns its certificate file, key file and serial once it has expired.
    func expiredIdentity(_ device: String) async throws -> (certificate: String, key: String, serial: String) {
        let shortLived = try await registry.profile(valid: "3s")
        guard try registry.register(device).status == 201 else { throw TestSetupError("register \(device)") }
        let request = try csr("/CN=\(device)")
        let pem = "-----BEGIN CERTIFICATE REQUEST-----\n" + String(decoding: request.body, as: UTF8.self) + "-----END CERTIFICATE REQUEST-----\n"
        let signed = try server.curl("POST", "/api/ca/v1/cas/\(registry.ca.caID)/sign", token: registry.ca.admin,
                                     body: try server.json(["csr": pem, "profile_id": shortLived]))
        guard let serial = try signed.json()["serial_number"] as? String, let certificate = try signed.json()["certificate"] as? String else {
            throw TestSetupError("short-lived certificate: \(signed.text)")
        }
        let file = try server.scratch.write(unique("short") + ".pem", Array(certificate.utf8))
        guard try registry.bind(device, serial).status == 200 else { throw TestSetupError("bind \(device)") }
        try await Task.sleep(for: .seconds(4))
        return (file, request.key, serial)
    }
}
