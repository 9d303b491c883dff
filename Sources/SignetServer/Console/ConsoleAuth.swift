import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import SignetCore
import SignetStore

/// A signed-in console user, with the same roles the API knows.
struct ConsoleUser: Sendable {
    let session: ConsoleSession
    var actor: String { "console:\(session.subject)" }
    var requester: Requester { Requester(actor, roles: Set(session.roles)) }
    var roles: Set<Role> { Set(session.roles.compactMap(Role.init(rawValue:))) }

    /// Whether the user holds one of `roles` (admin always does).
    func holds(_ needed: Set<Role>) -> Bool { Role.allows(roles, needed) }
    var canOperate: Bool { holds([.operator]) }
    var isAdmin: Bool { roles.contains(.admin) }
}

/// Why a console request was turned away; rendered as a page that says so.
struct ConsoleRefusal: Error {
    let status: HTTPResponse.Status
    let message: String
    var rule: String?

    static let signedOut = ConsoleRefusal(status: .unauthorized, message: "You are not signed in, or your session ended. Ask an administrator for a sign-in link (signet auth console-link).")
}

/// The session cookie and the checks every console request passes.
enum ConsoleAuth {
    static let cookieName = "signet_console"
    /// How long a session lasts; it is never extended, so a stolen cookie ages out.
    static let sessionLifetime: TimeInterval = 8 * 3600

    static func cookie(_ request: Request) -> String? {
        guard let header = request.headers[.cookie] else { return nil }
        for part in header.split(separator: ";") {
            let pair = part.trimmingCharacters(in: .whitespaces)
            if pair.hasPrefix(cookieName + "=") { return String(pair.dropFirst(cookieName.count + 1)) }
        }
        return nil
    }

    /// `Set-Cookie` for a new session: HttpOnly, Secure, SameSite=Strict, console paths only.
    static func setCookie(_ value: String) -> String {
        "\(cookieName)=\(value); Path=/console; Max-Age=\(Int(sessionLifetime)); HttpOnly; Secure; SameSite=Strict"
    }

    static let clearCookie = "\(cookieName)=; Path=/console; Max-Age=0; HttpOnly; Secure; SameSite=Strict"

    /// The signed-in user, or ``ConsoleRefusal/signedOut``; `roles` limits who may go on (403,
    /// rule `console.role`).
    static func user(_ request: Request, context: SignetRequestContext, services: SignetServer.Services, roles: Set<Role>?) async throws -> ConsoleUser {
        guard let cookie = cookie(request), cookie.count <= 64,
              let session = try await services.database.consoleSessions.session(cookie: cookie) else { throw ConsoleRefusal.signedOut }
        let user = ConsoleUser(session: session)
        context.logFacts.set("actor", user.actor)
        if let roles, !user.holds(roles) {
            throw ConsoleRefusal(status: .forbidden, message: "This needs the role \(Role.describe(roles)); you hold \(user.session.roles.sorted().joined(separator: ", ")).",
                                 rule: "console.role")
        }
        return user
    }

    /// A state-changing form must carry the session's CSRF token, and come from this origin
    /// when the browser says where it came from.
    static func checkForm(_ form: [String: String], request: Request, user: ConsoleUser) throws {
        if let origin = request.headers[.origin], let host = request.head.authority, origin != "https://\(host)" {
            throw ConsoleRefusal(status: .forbidden, message: "The form was sent from \(origin), not from this console.", rule: "console.csrf")
        }
        // Compared as digests, whose == takes the same time whatever prefix matches.
        guard SHA256.hash(data: Data((form["csrf"] ?? "").utf8)) == SHA256.hash(data: Data(user.session.csrfToken.utf8)) else {
            throw ConsoleRefusal(status: .forbidden, message: "The form's CSRF token is missing or wrong; reload the page and try again.", rule: "console.csrf")
        }
    }
}
