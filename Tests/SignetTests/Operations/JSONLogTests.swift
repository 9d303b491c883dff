import Foundation
import SignetServer
import Testing

/// `log_format: json`: one JSON object per line, each request with its id (the one returned
/// as X-Request-Id), route and actor; and no secret the run used anywhere in the log.
@Suite struct JSONLogTests {
    @Test func linesAreJSONWithRequestIDsAndCarryNoSecrets() async throws {
        let server = try await ServerFixture.start(extraEnvironment: ["SIGNET_LOG_FORMAT": "json", "SIGNET_TEST_LOG_LEVEL": "debug"])
        let fixture = try await RevocationFixture.make("json-log", server: server)
        let csr = try OpenSSLCSR.make(subject: "/CN=\(unique("json-log"))", in: server.scratch)
        let signed = try server.curl("POST", "/api/ca/v1/cas/\(fixture.caID)/sign", token: fixture.admin, body: try server.json(["csr": String(decoding: csr, as: UTF8.self)]))
        #expect(signed.status == 201, "\(signed.text)")
        let requestID = try #require(signed.header("X-Request-Id"))
        #expect(requestID.count == 32)
        let forged = fixture.admin.dropLast(4) + "AAAA"
        let rejected = try server.curl("GET", "/api/ca/v1/cas", token: String(forged))
        #expect(rejected.status == 401)
        let rejectedID = try #require(rejected.header("X-Request-Id"))
        #expect(rejectedID != requestID)
        let serial = try #require(try signed.json()["serial_number"] as? String)
        #expect(try fixture.setStatus(serial, ["status": "REVOKED", "revocation_reason": "KeyCompromise"]).status == 200)
        // An EST enrollment with a one-time passcode, and one with a wrong one.
        let est = try await ESTFixture.make("json-log-est", server: server) { document, _ in
            ESTFixture.set(&document, ["enrollment_settings", "registration_mode"], "PRE_REGISTRATION")
            ESTFixture.set(&document, ["enrollment_settings", "est_rfc7030_settings"], ["auth_mode": "PASSCODE", "passcode_settings": ["usage_limit": 1, "validity": "1h"]])
        }
        let device = unique("json-log-device")
        #expect(try est.registry.register(device).status == 201)
        let passcode = try #require(try est.registry.post("/api/dmsmanager/v1/dms/\(est.dmsID)/passcodes", ["device_id": device]).json()["passcode"] as? String)
        let wrong = String(passcode.reversed())
        #expect(try est.est("simpleenroll", body: try est.csr("/CN=\(device)").body, basic: "\(device):\(wrong)").status == 401)
        let enrolled = try est.est("simpleenroll", body: try est.csr("/CN=\(device)").body, basic: "\(device):\(passcode)")
        #expect(enrolled.status == 200, "\(enrolled.text)")
        await server.stop()

        let log = String(decoding: try server.scratch.read("server.log"), as: UTF8.self)
        var requests: [[String: Any]] = []
        for line in log.split(separator: "\n") {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "not a JSON object: \(line)")
            for key in ["time", "level", "message", "logger"] { #expect(object[key] is String, "\(key) missing in \(line)") }
            if object["message"] as? String == "request" { requests.append(object) }
        }
        let sign = try #require(requests.first { $0["request_id"] as? String == requestID }, "no access-log line for \(requestID)")
        #expect(sign["route"] as? String == "/api/ca/v1/cas/{id}/sign")
        #expect(sign["method"] as? String == "POST")
        #expect(sign["status"] as? String == "201")
        #expect(sign["actor"] as? String == "jwt:tester")
        #expect(sign["ca"] as? String == fixture.caID)
        #expect(sign["serial"] as? String == serial)
        let revoke = try #require(requests.first { $0["route"] as? String == "/api/ca/v1/certificates/{serial}/status" })
        #expect(revoke["serial"] as? String == serial)
        let enrollment = try #require(requests.first { $0["route"] as? String == "/.well-known/est/{aps}/simpleenroll" && $0["status"] as? String == "200" })
        #expect(enrollment["dms"] as? String == est.dmsID)
        let refused = try #require(requests.first { $0["request_id"] as? String == rejectedID })
        #expect(refused["status"] as? String == "401")
        #expect(refused["actor"] == nil)

        // Every secret the run used: the token PIN, the audit key, the database password, the
        // JWTs (valid and forged), the EST passcodes (right and wrong) and the server's TLS key.
        let environment = ProcessInfo.processInfo.environment
        var secrets = [fixture.admin, String(forged), passcode, wrong, est.registry.token]
        for variable in ["SIGNET_PIN_FILE", "SIGNET_AUDIT_KEY_FILE"] {
            let file = try #require(environment[variable])
            secrets.append(try String(contentsOfFile: file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines))
        }
        let databaseURL = try #require(environment["SIGNET_DATABASE_URL"].flatMap(URLComponents.init(string:)))
        secrets.append(try #require(databaseURL.password))
        for keyFile in [server.tlsKey] {
            let pem = try String(contentsOfFile: keyFile, encoding: .utf8)
            secrets += pem.split(separator: "\n").filter { !$0.hasPrefix("-----") }.map(String.init)
        }
        for secret in secrets where !secret.isEmpty {
            #expect(!log.contains(secret), "the log contains a secret (\(secret.prefix(6))…)")
        }
        #expect(requests.count >= 4, "the log is too thin to prove anything")
    }
}

/// Settings of metrics and logging are checked when the server starts.
@Suite struct ObservabilitySettingsTests {
    @Test func metricsAllowTakesAddressesAndNetworksAndRefusesAnythingElse() throws {
        let listed = try ServerConfiguration.load(file: nil, environment: ["SIGNET_METRICS_ALLOW": "10.0.0.0/8, 192.0.2.7, fd00::/8"])
        let networks = try listed.metricsAllowedNetworks()
        #expect(networks.map(\.prefixLength) == [8, 32, 8])
        #expect(networks[1].contains([192, 0, 2, 7]) && !networks[1].contains([192, 0, 2, 8]))
        #expect(try ServerConfiguration.load(file: nil, environment: ["SIGNET_METRICS_ALLOW": "none"]).metricsAllowedNetworks().isEmpty)
        for bad in ["10.1.2.3/8", "localhost", "10.0.0.0/33"] {
            let configuration = try ServerConfiguration.load(file: nil, environment: ["SIGNET_METRICS_ALLOW": bad])
            #expect(throws: ConfigurationError.self) { try configuration.metricsAllowedNetworks() }
            do { _ = try configuration.metricsAllowedNetworks() } catch { #expect("\(error)".contains(bad)) }
        }
    }

    @Test func logFormatAndRefreshIntervalAreChecked() throws {
        #expect(try ServerConfiguration().logOutput() == .text)
        #expect(try ServerConfiguration.load(file: nil, environment: ["SIGNET_LOG_FORMAT": "json"]).logOutput() == .json)
        let xml = try ServerConfiguration.load(file: nil, environment: ["SIGNET_LOG_FORMAT": "xml"])
        do { _ = try xml.logOutput(); Issue.record("log_format xml was accepted") } catch { #expect("\(error)".contains("'xml'")) }
        let fast = try ServerConfiguration.load(file: nil, environment: ["SIGNET_METRICS_REFRESH_INTERVAL": "0s"])
        #expect(throws: ConfigurationError.self) { try fast.metricsRefresh() }
        #expect(try ServerConfiguration().metricsRefresh() == .seconds(15))
    }
}
