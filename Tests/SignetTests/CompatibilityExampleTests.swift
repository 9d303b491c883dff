import Crypto
import Foundation
import Testing
import X509

/// Requests in the exact shapes of the Lamassu-style API examples users bring, and what
/// Signet answers them.
@Suite struct CompatibilityExampleTests {
    @Test func aCAWithoutKeyFieldsGetsItsParentsKeyType() async throws {
        let server = try await ServerFixture.get()
        let admin = server.token(["admin"])
        let id = unique("compat-ca")
        let created = try server.curl("POST", "/api/ca/v1/cas", token: admin, body: try server.json([
            "id": id, "parent_id": server.gate.rootID, "subject": ["common_name": "Compat Issuing CA"],
            "profile_id": "subordinate-ca", "ca_issuance_profile_id": "iot-device",
        ]))
        #expect(created.status == 201, "\(created.text)")
        let certificate = try Certificate(pemEncoded: try created.json()["certificate"] as? String ?? "")
        #expect(P256.Signing.PublicKey(certificate.publicKey) != nil, "the root's P-256")
        let decided = try await server.gate.environment.rows(
            "SELECT r->>'detail' FROM decisions, jsonb_array_elements(rules) r WHERE ca_id = \(id) AND r->>'rule' = 'ca.key'", as: String.self
        )
        #expect(decided.first?.contains("parent") == true, "\(decided)")

        // A root has no parent: the CA profile's first allowed key.
        let root = try server.curl("POST", "/api/ca/v1/cas", token: admin, body: try server.json([
            "id": unique("compat-root"), "subject": ["common_name": "Compat Root"], "profile_id": "root-ca", "ca_issuance_profile_id": "subordinate-ca",
        ]))
        #expect(root.status == 201, "\(root.text)")
        let rootCertificate = try Certificate(pemEncoded: try root.json()["certificate"] as? String ?? "")
        #expect(P256.Signing.PublicKey(rootCertificate.publicKey) != nil)
        // One key field without the other is a mistake, not a default.
        let half = try server.curl("POST", "/api/ca/v1/cas", token: admin, body: try server.json([
            "id": unique("compat-half"), "subject": ["common_name": "Half"], "key_type": "RSA", "profile_id": "root-ca", "ca_issuance_profile_id": "subordinate-ca",
        ]))
        #expect(half.status == 400, "\(half.text)")
    }

    @Test func filtersAsTheDocumentationWritesThem() async throws {
        let server = try await ServerFixture.get()
        let admin = server.token(["admin"])
        let fixture = try await RevocationFixture.make("compat-filter")
        let issued = try fixture.issue(unique("prod-sensor"))
        let patched = try server.curl("PATCH", "/api/ca/v1/certificates/\(issued.serial)/metadata", token: admin,
                                      body: try server.json(["patches": [["op": "add", "path": "/region", "value": "us-east-1"]]]))
        #expect(patched.status == 200, "\(patched.text)")
        let found = try server.curl("GET", "/api/ca/v1/certificates?filter=common_name%5Bcontains%5Dprod&filter=metadata.region%5Beq%5Dus-east-1", token: admin)
        #expect((try found.json()["list"] as? [[String: Any]])?.contains { $0["serial_number"] as? String == issued.serial } == true, "\(found.text)")
        let slip = try server.curl("GET", "/api/ca/v1/certificates?filter=common_name%5Bct%5D%3Ddevice", token: admin)
        #expect(slip.status == 400, "\(slip.text)")
        #expect(slip.text.contains("common_name[ct]device"), "\(slip.text)")
    }

    @Test func aDMSAsTheDocumentationCreatesIt() async throws {
        let server = try await ServerFixture.get()
        let operatorToken = server.token(["operator"])
        let fixture = try await RevocationFixture.make("compat-dms")
        let created = try server.curl("POST", "/api/dmsmanager/v1/dms", token: operatorToken, body: try server.json([
            "name": "Production Sensors",
            "metadata": ["region": "us-east-1"],
            "settings": [
                "issuance_profile_id": "iot-device",
                "enrollment_settings": [
                    "protocol": "EST_RFC7030", "enrollment_ca": fixture.caID, "registration_mode": "JITP",
                    "verify_csr_signature": true, "enable_replaceable_enrollment": true,
                ],
                "reenrollment_settings": ["reenrollment_delta": "720h", "enable_expired_renewal": false, "revoke_on_reenrollment": true],
                "server_keygen_settings": ["enabled": false],
                "ca_distribution_settings": ["include_system_ca": false, "include_enrollment_ca": true, "managed_cas": [String]()],
            ],
        ]))
        #expect(created.status == 201, "\(created.text)")
        let json = try created.json()
        let id = try #require(json["id"] as? String)
        #expect(id.hasPrefix("production-sensors-"), "\(id)")
        // The answer shows what Signet will do, defaults included.
        let settings = json["settings"] as? [String: Any] ?? [:]
        let est = ((settings["enrollment_settings"] as? [String: Any])?["est_rfc7030_settings"] as? [String: Any]) ?? [:]
        #expect(est["auth_mode"] as? String == "CLIENT_CERTIFICATE")
        #expect((est["client_certificate_settings"] as? [String: Any])?["validation_cas"] as? [String] == [fixture.caID])
        let renewal = settings["reenrollment_settings"] as? [String: Any] ?? [:]
        #expect(renewal["preventive_delta"] as? String == "720h" && renewal["critical_delta"] as? String == "180h", "\(renewal)")
        let read = try server.curl("GET", "/api/dmsmanager/v1/dms/\(id)", token: operatorToken)
        #expect(try read.status == 200 && read.json()["name"] as? String == "Production Sensors")

        // bind-identity as the docs write it: "explicit", the serial in upper case.
        let device = unique("compat-device")
        let registered = try server.curl("POST", "/api/devmanager/v1/devices", token: operatorToken, body: try server.json(["id": device, "dms_owner": id]))
        #expect(registered.status == 201, "\(registered.text)")
        let issued = try fixture.issue(device)
        let bound = try server.curl("POST", "/api/dmsmanager/v1/dms/bind-identity", token: operatorToken, body: try server.json([
            "bind_mode": "explicit", "device_id": device, "certificate_serial_number": issued.serial.uppercased(),
        ]))
        #expect(bound.status == 200, "\(bound.text)")
        #expect(((try bound.json()["identity"] as? [String: Any])?["serial_number"] as? String) == issued.serial)
    }

    @Test func dmsListFiltersAndKeygenDefaultsAsTheDocumentationWritesThem() async throws {
        let server = try await ServerFixture.get()
        let operatorToken = server.token(["operator"])
        let fixture = try await RevocationFixture.make("compat-dms-list")
        let name = "prod line \(unique("x"))"
        let created = try server.curl("POST", "/api/dmsmanager/v1/dms", token: operatorToken, body: try server.json([
            "name": name, "metadata": ["region": "us-east-1"],
            "settings": [
                "issuance_profile_id": "iot-device",
                "enrollment_settings": ["protocol": "EST_RFC7030", "enrollment_ca": fixture.caID, "registration_mode": "JITP"],
                "reenrollment_settings": ["reenrollment_delta": "720h"],
                "server_keygen_settings": ["enabled": true, "key_type": "ECDSA"],
            ],
        ]))
        #expect(created.status == 201, "\(created.text)")
        let id = try #require(try created.json()["id"] as? String)
        let keygen = (try created.json()["settings"] as? [String: Any])?["server_keygen_settings"] as? [String: Any] ?? [:]
        #expect(keygen["key_type"] as? String == "ECDSA" && keygen["key_size"] as? Int == 256, "the type's default size: \(keygen)")

        let found = try server.curl("GET", "/api/dmsmanager/v1/dms?filter=name%5Bcontains%5Dprod&filter=metadata.region%5Beq%5Dus-east-1", token: operatorToken)
        #expect(found.status == 200, "\(found.text)")
        #expect((try found.json()["list"] as? [[String: Any]])?.contains { $0["id"] as? String == id } == true, "\(found.text)")
        let elsewhere = try server.curl("GET", "/api/dmsmanager/v1/dms?filter=name%5Bcontains%5Dprod&filter=metadata.region%5Beq%5Deu-west-1", token: operatorToken)
        #expect((try elsewhere.json()["list"] as? [[String: Any]])?.contains { $0["id"] as? String == id } == false)
        let slip = try server.curl("GET", "/api/dmsmanager/v1/dms?filter=name%5Bct%5D%3Ddevice", token: operatorToken)
        #expect(slip.status == 400 && slip.text.contains("name[ct]device"), "\(slip.text)")
    }

    @Test func aDeviceRenewsWithTheSameKeyByDefault() async throws {
        let fixture = try await ESTFixture.make("compat-same-key") { document, _ in
            var settings = document["settings"] as? [String: Any] ?? [:]
            var renewal = settings["reenrollment_settings"] as? [String: Any] ?? [:]
            renewal["key_policy"] = nil
            settings["reenrollment_settings"] = renewal
            document["settings"] = settings
        }
        let device = unique("same-key")
        let identity = try fixture.enrolled(device)
        let renewed = try fixture.est("simplereenroll", body: try fixture.csr("/CN=\(device)", reuse: identity.key).body, certificate: (identity.certificate, identity.key))
        #expect(renewed.status == 200, "\(renewed.text)")
        let pem = try fixture.certificates(renewed).firstPEM
        let renewedKey = try Tool.run("openssl", ["x509", "-noout", "-pubkey", "-in", try fixture.server.scratch.write(unique("renewed") + ".pem", Array(pem.utf8))]).output
        let oldKey = try Tool.run("openssl", ["x509", "-noout", "-pubkey", "-in", identity.certificate]).output
        #expect(renewedKey == oldKey && !oldKey.isEmpty)
    }
}
