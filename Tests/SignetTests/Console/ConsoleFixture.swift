import Foundation

/// A console session opened the way a person opens one: a link from
/// `signet auth console-link`, followed with curl; and the checks a test makes of pages.
struct ConsoleSession {
    let server: ServerFixture
    let cookie: String
    let setCookie: String

    /// A one-time sign-in link for `subject` with `roles`.
    static func link(_ server: ServerFixture, roles: [String], subject: String = unique("console-user")) throws -> String {
        var arguments = ["auth", "console-link", "--subject", subject, "--base-url", server.base]
        for role in roles { arguments += ["--role", role] }
        let made = try Tool.run(try CLITests.binary, arguments)
        guard made.status == 0 else { throw TestSetupError("console-link: \(made.error)") }
        return made.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Follows a new link for `roles` and keeps the session cookie it sets.
    static func open(_ server: ServerFixture, roles: [String], subject: String = unique("console-user")) throws -> ConsoleSession {
        let link = try Self.link(server, roles: roles, subject: subject)
        let signedIn = try server.curl("GET", String(link.dropFirst(server.base.count)))
        guard signedIn.status == 200, let header = signedIn.header("Set-Cookie"),
              let value = header.split(separator: ";").first, value.hasPrefix("signet_console=") else {
            throw TestSetupError("sign-in: \(signedIn.status) \(signedIn.headers)")
        }
        return ConsoleSession(server: server, cookie: String(value), setCookie: header)
    }

    func get(_ path: String) throws -> ServerFixture.HTTPResult {
        try server.curl("GET", path, headers: ["Cookie: \(cookie)"])
    }

    /// A form POST, as a browser sends one: urlencoded fields, this console as Origin.
    func post(_ path: String, _ fields: [String: String], origin: String? = nil) throws -> ServerFixture.HTTPResult {
        let body = fields.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }.joined(separator: "&")
        return try server.curl("POST", path, body: Array(body.utf8), contentType: "application/x-www-form-urlencoded",
                               headers: ["Cookie: \(cookie)", "Origin: \(origin ?? server.base)"])
    }

    /// The CSRF token the page's forms carry.
    static func csrf(_ page: ServerFixture.HTTPResult) throws -> String {
        guard let match = page.text.firstMatch(of: /name="csrf" value="([^"]+)"/) else { throw TestSetupError("no CSRF field in \(page.text.prefix(300))") }
        return String(match.output.1)
    }

    /// The actions of the page's state-changing forms (all POST forms but signing out).
    static func stateChangingForms(_ page: ServerFixture.HTTPResult) -> [String] {
        page.text.matches(of: /<form method="post" action="([^"]+)"(?: class="([^"]*)")?/).compactMap { match in
            match.output.2 == "signout" ? nil : String(match.output.1)
        }
    }
}
