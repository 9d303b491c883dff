import Foundation
import Testing

/// What stands between a browser and the console's actions: one-time links, cookies the
/// page's scripts cannot read, CSRF tokens, the Origin, and the API's roles.
@Suite struct ConsoleSecurityTests {
    @Test func linksOpenOneSessionAndPagesNeedIt() async throws {
        let server = try await ServerFixture.get()
        let anonymous = try server.curl("GET", "/console")
        #expect(anonymous.status == 401)
        #expect(anonymous.text.contains("console-link"), "the page says how to sign in: \(anonymous.text)")
        #expect(anonymous.header("Content-Security-Policy")?.contains("default-src 'none'") == true)

        let link = try ConsoleSession.link(server, roles: ["auditor"])
        let path = String(link.dropFirst(server.base.count))
        let first = try server.curl("GET", path)
        #expect(first.status == 200)
        let cookie = try #require(first.header("Set-Cookie"))
        for attribute in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/console", "Max-Age=28800"] {
            #expect(cookie.contains(attribute), "Set-Cookie lacks \(attribute): \(cookie)")
        }
        let again = try server.curl("GET", path)
        #expect(again.status == 401, "a link opens one session: \(again.text)")
        #expect(again.header("Set-Cookie") == nil)
        let made = try server.curl("GET", "/console/login?ticket=" + String(repeating: "A", count: 43))
        #expect(made.status == 401)

        let session = ConsoleSession(server: server, cookie: String(cookie.split(separator: ";")[0]), setCookie: cookie)
        let overview = try session.get("/console")
        #expect(overview.status == 200)
        #expect(overview.text.contains("<h1>Overview</h1>"))
        // Signing out ends the session on the server, not only in the browser.
        #expect(try session.post("/console/logout", ["csrf": try ConsoleSession.csrf(overview)]).status == 200)
        #expect(try session.get("/console").status == 401)
    }

    @Test func formsNeedTheirCSRFTokenThisOriginAndTheAPIsRole() async throws {
        let fixture = try await RevocationFixture.make("console-csrf")
        let server = fixture.server
        let target = try fixture.issue()
        func status() throws -> String? { try server.curl("GET", "/api/ca/v1/certificates/\(target.serial)", token: fixture.admin).json()["status"] as? String }

        let operatorSession = try ConsoleSession.open(server, roles: ["operator"])
        let page = try operatorSession.get("/console/certificates/\(target.serial)")
        #expect(page.status == 200)
        #expect(ConsoleSession.stateChangingForms(page) == ["/console/certificates/\(target.serial)/revoke"])
        let csrf = try ConsoleSession.csrf(page)
        let action = "/console/certificates/\(target.serial)/revoke"

        let forged = try operatorSession.post(action, ["reason": "KeyCompromise"])
        #expect(forged.status == 403, "\(forged.text)")
        #expect(forged.text.contains("console.csrf"))
        let wrong = try operatorSession.post(action, ["reason": "KeyCompromise", "csrf": String(csrf.reversed())])
        #expect(wrong.status == 403)
        let elsewhere = try operatorSession.post(action, ["reason": "KeyCompromise", "csrf": csrf], origin: "https://evil.example")
        #expect(elsewhere.status == 403)
        #expect(elsewhere.text.contains("evil.example"))
        // Another session's token is no good either.
        let auditor = try ConsoleSession.open(server, roles: ["auditor"])
        let auditorPage = try auditor.get("/console/certificates/\(target.serial)")
        #expect(ConsoleSession.stateChangingForms(auditorPage).isEmpty, "an auditor sees no state-changing control")
        #expect(try operatorSession.post(action, ["reason": "KeyCompromise", "csrf": try ConsoleSession.csrf(auditorPage)]).status == 403)
        // An auditor with a valid token still lacks the role.
        let byAuditor = try auditor.post(action, ["reason": "KeyCompromise", "csrf": try ConsoleSession.csrf(auditorPage)])
        #expect(byAuditor.status == 403)
        #expect(byAuditor.text.contains("operator"))
        #expect(try status() == "ACTIVE", "nothing above may revoke")

        // Hostile bodies: the wrong type (415), one over the bound (413), a session cookie of
        // the wrong shape (401). Each is a page that says what was wrong.
        let json = try server.curl("POST", action, body: Array(#"{"reason":"KeyCompromise","csrf":"\#(csrf)"}"#.utf8), contentType: "application/json",
                                   headers: ["Cookie: \(operatorSession.cookie)", "Origin: \(server.base)"])
        #expect(json.status == 415 && json.text.contains("x-www-form-urlencoded"), "\(json.text)")
        let huge = "reason=KeyCompromise&csrf=\(csrf)&pad=" + String(repeating: "A", count: 70_000)
        let oversized = try server.curl("POST", action, body: Array(huge.utf8), contentType: "application/x-www-form-urlencoded",
                                        headers: ["Cookie: \(operatorSession.cookie)", "Origin: \(server.base)"])
        #expect(oversized.status == 413, "\(oversized.text)")
        let garbled = try server.curl("POST", action, body: Array("reason=KeyCompromise&csrf=\(csrf)".utf8), contentType: "application/x-www-form-urlencoded",
                                      headers: ["Cookie: signet_console=" + String(repeating: "%00", count: 40), "Origin: \(server.base)"])
        #expect(garbled.status == 401)
        #expect(try status() == "ACTIVE", "nothing above may revoke")

        // The real thing, to show the checks refuse only what they should.
        let revoked = try operatorSession.post(action, ["reason": "KeyCompromise", "csrf": csrf])
        #expect(revoked.status == 303, "\(revoked.text)")
        #expect(try status() == "REVOKED")
        // It went through the gate as the console user: the decision names them.
        let decisions = try server.curl("GET", "/api/ca/v1/audit?filter=serial_number%5Beq%5D\(target.serial)&filter=action%5Beq%5DREVOKE", token: fixture.admin).json()
        let actors = (decisions["list"] as? [[String: Any]] ?? []).compactMap { $0["actor"] as? String }
        #expect(actors.contains { $0.hasPrefix("console:") }, "\(decisions)")
    }
}
