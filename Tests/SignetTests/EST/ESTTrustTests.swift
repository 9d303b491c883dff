import Foundation
import Testing

/// Bootstrap certificates from a manufacturer's CA that Signet only imported, and renewal
/// of an expired identity within the DMS's grace.
@Suite struct ESTTrustTests {
    /// A vendor CA and a bootstrap certificate made by openssl alone, the CA imported into Signet.
    static func vendor(_ fixture: ESTFixture, device: String) throws -> (caID: String, bootstrap: (certificate: String, key: String)) {
        let scratch = fixture.server.scratch, name = unique("vendor")
        func run(_ arguments: [String]) throws {
            let result = try Tool.run("openssl", arguments)
            guard result.status == 0 else { throw TestSetupError("openssl \(arguments[0]): \(result.error)") }
        }
        try run(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", scratch.path("\(name).key"),
                 "-subj", "/CN=Vendor \(name)", "-days", "30", "-addext", "basicConstraints=critical,CA:TRUE",
                 "-addext", "keyUsage=critical,keyCertSign,cRLSign", "-out", scratch.path("\(name).pem")])
        try run(["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", scratch.path("\(name)-boot.key"),
                 "-subj", "/CN=\(device)", "-out", scratch.path("\(name)-boot.csr")])
        try run(["x509", "-req", "-in", scratch.path("\(name)-boot.csr"), "-CA", scratch.path("\(name).pem"), "-CAkey", scratch.path("\(name).key"),
                 "-set_serial", "4242", "-days", "30", "-out", scratch.path("\(name)-boot.pem")])
        let imported = try fixture.server.curl("POST", "/api/ca/v1/cas/import", token: fixture.server.token(["admin"]), body: try fixture.server.json([
            "id": name, "certificate": String(decoding: try scratch.read("\(name).pem"), as: UTF8.self),
        ]))
        guard imported.status == 201 else { throw TestSetupError("import: \(imported.text)") }
        return (name, (scratch.path("\(name)-boot.pem"), scratch.path("\(name)-boot.key")))
    }

    @Test func anImportedVendorCAsRevocationIsUnknownUnlessTheDMSAcceptsThat() async throws {
        let strict = try await ESTFixture.make("est-vendor")
        let device = unique("dev")
        let vendor = try Self.vendor(strict, device: device)
        func point(_ document: inout [String: Any], allowUnknown: Bool) {
            var settings = document["settings"] as? [String: Any] ?? [:]
            var enrollment = settings["enrollment_settings"] as? [String: Any] ?? [:]
            enrollment["est_rfc7030_settings"] = ["auth_mode": "CLIENT_CERTIFICATE", "client_certificate_settings": [
                "validation_cas": [vendor.caID], "allow_unknown_revocation_status": allowUnknown,
            ]]
            settings["enrollment_settings"] = enrollment
            document["settings"] = settings
        }
        var document = try strict.registry.dmsDocument(id: unique("vendor-strict"))
        point(&document, allowUnknown: false)
        let strictDMS = document["id"] as? String ?? ""
        #expect(try strict.registry.post("/api/dmsmanager/v1/dms", document).status == 201)
        document = try strict.registry.dmsDocument(id: unique("vendor-lenient"))
        point(&document, allowUnknown: true)
        let lenientDMS = document["id"] as? String ?? ""
        #expect(try strict.registry.post("/api/dmsmanager/v1/dms", document).status == 201)

        let refused = try strict.est("simpleenroll", aps: strictDMS, body: try strict.csr("/CN=\(device)").body, certificate: vendor.bootstrap)
        #expect(refused.status == 401)
        #expect(refused.text.contains("revocation status"), "\(refused.text)")
        let enrolled = try strict.est("simpleenroll", aps: lenientDMS, body: try strict.csr("/CN=\(device)").body, certificate: vendor.bootstrap)
        #expect(enrolled.status == 200, "\(enrolled.text)")
        #expect(try strict.registry.device(device)["dms_owner"] as? String == lenientDMS)
    }

    @Test func anExpiredIdentityRenewsWithinTheGrace() async throws {
        let fixture = try await ESTFixture.make("est-grace") { document, _ in
            var settings = document["settings"] as? [String: Any] ?? [:]
            var reenrollment = settings["reenrollment_settings"] as? [String: Any] ?? [:]
            reenrollment["enable_expired_renewal"] = true
            reenrollment["expired_renewal_grace"] = "1h"
            settings["reenrollment_settings"] = reenrollment
            document["settings"] = settings
        }
        let device = unique("dev")
        let old = try await fixture.expiredIdentity(device)
        #expect(try fixture.registry.device(device)["status"] as? String == "EXPIRED")
        let renewed = try fixture.est("simplereenroll", body: try fixture.csr("/CN=\(device)").body, certificate: (old.certificate, old.key))
        #expect(renewed.status == 200, "\(renewed.text)")
        #expect(try fixture.registry.device(device)["status"] as? String == "ACTIVE")
    }
}
