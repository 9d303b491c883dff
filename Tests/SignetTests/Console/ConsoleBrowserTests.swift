import Foundation
import Testing

/// The console in a real browser: headless Chromium driven by Selenium
/// (deploy/lib/console-browser.py) signs in with a link, opens every page, searches
/// certificates by filter, revokes one (then OCSP says so), decommissions a device, and
/// finds no state-changing control in an auditor's session. A screenshot of each page is
/// kept under the test state folder (console-screenshots/).
@Suite struct ConsoleBrowserTests {
    static var python: String {
        get throws {
            guard let bin = ProcessInfo.processInfo.environment["SIGNET_TEST_SELENIUM"] else {
                throw TestSetupError("SIGNET_TEST_SELENIUM is not set: run the tests through deploy/test")
            }
            return bin + "/python3"
        }
    }

    static var screenshots: String {
        let state = ProcessInfo.processInfo.environment["SIGNET_STATE_DIR"] ?? NSTemporaryDirectory()
        return state + "/console-screenshots"
    }

    /// base64 SHA-256 of the server's public key, which Chromium is told to trust.
    static func spki(_ server: ServerFixture) throws -> String {
        let key = try Tool.run("openssl", ["x509", "-in", server.tlsChain, "-pubkey", "-noout"])
        // The DER key is binary: hashed in one pipeline rather than passed through a String.
        let file = try server.scratch.write(unique("spki") + ".pem", Array(key.output.utf8))
        let digest = try Tool.run("sh", ["-c", "openssl pkey -pubin -in '\(file)' -outform DER | openssl dgst -sha256 -binary | base64"])
        return digest.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func anAdminWorksThroughEveryPageAndAnAuditorChangesNothing() async throws {
        let est = try await ESTFixture.make("console")
        let server = est.server, ca = est.registry.ca
        let commonName = unique("console-device")
        let target = try ca.issue(commonName), untouched = try ca.issue()
        let leaving = unique("console-leaving"), staying = unique("console-staying")
        _ = try est.enrolled(leaving)
        _ = try est.enrolled(staying)
        let passcodeDMS = try est.anotherDMS { document in
            ESTFixture.set(&document, ["enrollment_settings", "registration_mode"], "PRE_REGISTRATION")
            ESTFixture.set(&document, ["enrollment_settings", "est_rfc7030_settings"], ["auth_mode": "PASSCODE", "passcode_settings": ["usage_limit": 1, "validity": "1h"]])
        }
        let gateway = unique("console-gateway")
        #expect(try est.registry.register(gateway, dms: passcodeDMS).status == 201)
        let csr = String(decoding: try OpenSSLCSR.make(subject: "/CN=\(unique("explained"))", in: server.scratch), as: UTF8.self)

        let plan: [String: Any] = [
            "base": server.base, "spki": try Self.spki(server), "screenshots": Self.screenshots,
            "admin_link": try ConsoleSession.link(server, roles: ["admin"], subject: "console-admin"),
            "auditor_link": try ConsoleSession.link(server, roles: ["auditor"], subject: "console-auditor"),
            "ca": ca.caID, "serial": target.serial, "active_serial": untouched.serial, "device": leaving, "active_device": staying,
            "search": "common_name[eq]\(commonName)",
            "profile": "iot-device", "csr": csr, "dms": est.dmsID, "passcode_dms": passcodeDMS, "passcode_device": gateway,
        ]
        let planFile = try server.scratch.write(unique("browser-plan") + ".json", Array(try JSONSerialization.data(withJSONObject: plan)))
        let script = GateFixture.repositoryRoot.appendingPathComponent("deploy/lib/console-browser.py").path
        let run = try Tool.run(try Self.python, [script, planFile])
        #expect(run.status == 0, "\(run.error)")
        let seen = try #require(try JSONSerialization.jsonObject(with: Data(run.output.utf8)) as? [String: Any], "browser output: \(run.output) \(run.error)")
        #expect((seen["errors"] as? [String])?.isEmpty == true, "\(seen["errors"] ?? "")")
        #expect(seen["admin_signed_in"] as? Bool == true)
        #expect(seen["auditor_signed_in"] as? Bool == true)

        let pages = try #require(seen["pages"] as? [String: [String: Any]])
        let headings = [
            "overview": "Overview", "cas": "Certificate authorities", "ca": "CA \(ca.caID)", "certificates": "Certificates",
            "certificate": "Certificate \(target.serial)", "devices": "Devices", "device": "Device \(leaving)",
            "audit": "Audit trail", "audit-verify": "Audit chain",
            "profiles": "Issuance profiles", "profile": "Profile iot-device", "dms-list": "Device management", "dms": "DMS \(est.dmsID)", "jobs": "Import jobs",
        ]
        for (name, heading) in headings {
            let page = try #require(pages["admin:\(name)"], "the admin did not reach \(name)")
            #expect(page["h1"] as? String == heading, "\(name): \(page)")
            #expect((page["error"] as? [String])?.isEmpty == true, "\(name): \(page)")
            #expect(FileManager.default.fileExists(atPath: Self.screenshots + "/admin-\(name).png"))
        }
        // The admin sees the controls the role allows.
        #expect((pages["admin:certificate"]?["post_forms"] as? [String])?.contains { $0.hasSuffix("/revoke") } == true)
        #expect((pages["admin:device"]?["post_forms"] as? [String])?.contains { $0.hasSuffix("/decommission") } == true)
        #expect((pages["admin:ca"]?["post_forms"] as? [String])?.contains { $0.hasSuffix("/revoke") } == true)
        #expect(seen["device_chart_bars"] as? Int == 7)

        #expect((seen["search_results"] as? [String]) == [target.serial], "\(seen["search_results"] ?? "")")
        let bad = try #require(seen["bad_search"] as? [String: Any])
        #expect((bad["status"] as? String)?.hasPrefix("400") == true, "\(bad)")
        #expect((bad["message"] as? String)?.contains("colour") == true, "\(bad)")

        // Explain shows each rule's decision and signs nothing.
        let explained = try #require(seen["explained"] as? [String: Any])
        #expect((explained["verdict"] as? String)?.contains("would approve") == true, "\(explained)")
        let rules = explained["rules"] as? [String] ?? []
        #expect(rules.count >= 5 && rules.contains { $0.contains("csr.proof_of_possession") && $0.contains("passed") }, "\(rules)")
        // The passcode is shown once, and it is real: it enrolls the device.
        let passcode = try #require(seen["passcode"] as? String, "no passcode shown: \(seen)")
        #expect(seen["passcode_after_reload"] == nil || seen["passcode_after_reload"] is NSNull, "the passcode was shown again")
        let enrolled = try est.est("simpleenroll", aps: passcodeDMS, body: try est.csr("/CN=\(gateway)").body, basic: "\(gateway):\(passcode)")
        #expect(enrolled.status == 200, "\(enrolled.text)")

        let revoked = try #require(seen["revoked"] as? [String: Any])
        #expect((revoked["status"] as? String)?.contains("REVOKED") == true, "\(revoked)")
        #expect((revoked["notice"] as? String)?.contains("KeyCompromise") == true, "\(revoked)")
        let ocsp = try ca.ocsp(["-serial", "0x" + target.serial])
        #expect(ocsp.verified && ocsp.text.contains(": revoked"), "\(ocsp.text)")

        let decommissioned = try #require(seen["decommissioned"] as? [String: Any])
        #expect((decommissioned["status"] as? String)?.contains("DECOMMISSIONED") == true, "\(decommissioned)")
        #expect(try est.registry.device(leaving)["status"] as? String == "DECOMMISSIONED")

        for name in ["overview", "ca", "certificate", "device", "audit", "profile", "dms"] {
            let page = try #require(pages["auditor:\(name)"], "the auditor did not reach \(name)")
            #expect((page["post_forms"] as? [String])?.isEmpty == true, "an auditor's \(name) page has a state-changing form: \(page)")
            #expect((page["error"] as? [String])?.isEmpty == true, "\(name): \(page)")
        }
        #expect(try est.registry.device(staying)["status"] as? String != "DECOMMISSIONED")
        let reused = try #require(seen["reused_link"] as? [String: Any])
        #expect((reused["status"] as? String)?.hasPrefix("401") == true, "a spent link opened a page: \(reused)")
        #expect((seen["tablet_scroll_width"] as? Int ?? .max) <= 768, "the overview scrolls sideways on a tablet")
        for shot in ["admin-profile-explained", "admin-dms-passcode", "admin-certificates-search", "admin-certificate-revoked", "admin-device-decommissioned", "admin-overview-tablet"] {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: Self.screenshots + "/\(shot).png"))
            #expect(bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]) && bytes.count > 5_000, "\(shot).png")
        }
    }
}
