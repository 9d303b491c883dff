import Foundation
import HTTPTypes
import Hummingbird
import SignetCore
import SignetStore

/// `/console`: server-rendered pages over the same services as the REST API. Every page
/// needs a session (a cookie from a sign-in link); every form that changes state carries the
/// session's CSRF token and needs the role its API route needs.
enum ConsoleRoutes {
    typealias Page = @Sendable (Request, SignetRequestContext, ConsoleUser) async throws -> Response

    static func register(_ router: Router<SignetRequestContext>, services: SignetServer.Services, renderer: ConsoleRenderer) {
        let console = ConsoleRouter(router: router, services: services, renderer: renderer)
        router.get("/console/console.css") { _, _ in
            var headers: HTTPFields = [.contentType: "text/css; charset=utf-8"]
            ConsoleRenderer.securityHeaders(&headers)
            headers[.cacheControl] = "max-age=3600"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: ConsoleRenderer.stylesheet)))
        }
        let responder = console.responder
        router.get("/console/login") { request, context in
            await responder.answer(request, context) { try await signIn(request, context, services: services, renderer: renderer) }
        }
        console.post("/console/logout", roles: nil) { request, context, user in
            if let cookie = ConsoleAuth.cookie(request) { try await services.database.consoleSessions.end(cookie: cookie) }
            try await services.audit.append(AuditRecord(category: .api, action: "CONSOLE sign-out", actor: user.actor, target: "console", outcome: "200", detail: #"{"status":200}"#))
            var response = renderer.page("error", title: "Signed out", user: nil, ["message": "You are signed out.", "signed_out": true])
            response.headers[.setCookie] = ConsoleAuth.clearCookie
            return response
        }
        if let oidc = services.oidc { registerOIDC(router, oidc: oidc, responder: responder) }
        ConsoleOverview.register(console)
        ConsoleAuthorities.register(console)
        ConsoleCertificates.register(console)
        ConsoleProfiles.register(console)
        ConsoleDMS.register(console)
        ConsoleDevices.register(console)
        ConsoleJobs.register(console)
        ConsoleAudit.register(console)
    }

    /// `/console/oidc/start` sends the browser to the provider; `/console/oidc/callback` is
    /// where it comes back, and opens a session with the ID token's roles.
    static func registerOIDC(_ router: Router<SignetRequestContext>, oidc: ConsoleOIDC, responder: ConsoleResponder) {
        let services = responder.services, renderer = responder.renderer
        router.get("/console/oidc/start") { request, context in
            await responder.answer(request, context) { ConsoleRenderer.redirect(try await oidc.start(sessions: services.database.consoleSessions)) }
        }
        router.get("/console/oidc/callback") { request, context in
            await responder.answer(request, context) {
                let query = request.uri.queryParameters
                if let error = query.get("error") {
                    throw ConsoleRefusal(status: .unauthorized, message: "The identity provider did not sign you in: \(error) \(query.get("error_description") ?? "")", rule: "console.oidc.denied")
                }
                guard let code = query.get("code"), let state = query.get("state"), code.count <= 2048, state.count <= 64 else {
                    throw ConsoleRefusal(status: .badRequest, message: "The identity provider's answer has no code or state.", rule: "console.oidc.callback")
                }
                let token = try await oidc.finish(code: String(code), state: String(state), sessions: services.database.consoleSessions)
                let roles = token.roles.filter { Role(rawValue: $0) != nil }.sorted()
                guard !roles.isEmpty else {
                    throw ConsoleRefusal(status: .forbidden, message: "Your account (\(token.subject)) holds no Signet role (admin, operator or auditor) in the claim \(oidc.settings.roleClaimPath.joined(separator: ".")).", rule: "console.oidc.roles")
                }
                let opened = try await services.database.consoleSessions.open(subject: token.subject, roles: roles, lifetime: ConsoleAuth.sessionLifetime)
                return try await signedIn(opened, via: "oidc", services: services, renderer: renderer)
            }
        }
    }

    /// Spends a sign-in ticket and opens a session. The page that sets the cookie moves on to
    /// the overview by itself: a SameSite=Strict cookie set in answer to a link followed from
    /// elsewhere is not sent on a redirect of that same navigation, but is on the next one.
    static func signIn(_ request: Request, _ context: SignetRequestContext, services: SignetServer.Services, renderer: ConsoleRenderer) async throws -> Response {
        guard let ticket = request.uri.queryParameters.get("ticket"), (20...64).contains(ticket.count),
              let opened = try await services.database.consoleSessions.redeem(ticket: ticket, lifetime: ConsoleAuth.sessionLifetime) else {
            throw ConsoleRefusal(status: .unauthorized, message: "This sign-in link is unknown, was used already, or expired. Ask for a new one (signet auth console-link).")
        }
        return try await signedIn(opened, via: "link", services: services, renderer: renderer)
    }

    /// Records a new session in the audit trail and answers with its cookie.
    static func signedIn(_ opened: (cookie: String, session: ConsoleSession), via: String, services: SignetServer.Services, renderer: ConsoleRenderer) async throws -> Response {
        let user = ConsoleUser(session: opened.session)
        try await services.audit.append(AuditRecord(
            category: .api, action: "CONSOLE sign-in", actor: user.actor, target: "console", outcome: "200",
            detail: #"{"status":200,"via":"\#(via)","roles":\#(ConsoleValue.jsonString(opened.session.roles.sorted()))}"#
        ))
        var response = renderer.page("signed-in", title: "Signed in", user: nil, ["subject": opened.session.subject], refresh: "/console")
        response.headers[.setCookie] = ConsoleAuth.setCookie(opened.cookie)
        return response
    }
}

/// Registers console pages with the session, role and CSRF checks in front, and renders
/// whatever goes wrong as a page that says what.
struct ConsoleRouter {
    let router: Router<SignetRequestContext>
    let services: SignetServer.Services
    let renderer: ConsoleRenderer
    var responder: ConsoleResponder { ConsoleResponder(services: services, renderer: renderer) }

    /// A page for `roles` (nil: anyone signed in), as the API's route for the same reads.
    func get(_ path: String, roles: Set<Role>? = nil, _ page: @escaping ConsoleRoutes.Page) {
        let responder = self.responder, services = self.services
        router.get(RouterPath(path)) { request, context in
            await responder.answer(request, context) {
                let user = try await ConsoleAuth.user(request, context: context, services: services, roles: roles)
                return try await page(request, context, user)
            }
        }
    }

    /// A form that changes state: CSRF-checked, for `roles` (nil: anyone signed in). The
    /// handler gets the form's fields through the request's context.
    func post(_ path: String, roles: Set<Role>?, _ action: @escaping @Sendable (Request, SignetRequestContext, ConsoleUser) async throws -> Response) {
        let responder = self.responder, services = self.services
        router.post(RouterPath(path)) { request, context in
            await responder.answer(request, context) {
                // The role after the form: a forged form is refused as forged, whoever's cookie it rides on.
                let user = try await ConsoleAuth.user(request, context: context, services: services, roles: nil)
                var context = context
                context.consoleForm = try await ConsoleForm.read(request, context: context)
                try ConsoleAuth.checkForm(context.consoleForm, request: request, user: user)
                if let roles, !user.holds(roles) {
                    throw ConsoleRefusal(status: .forbidden, message: "This needs the role \(Role.describe(roles)).", rule: "console.role")
                }
                return try await action(request, context, user)
            }
        }
    }

}

/// Answers a console request: what the page made, or the error page.
struct ConsoleResponder: Sendable {
    let services: SignetServer.Services
    let renderer: ConsoleRenderer

    /// Runs `body`; a refusal or an error becomes the error page with the status the API
    /// would have answered and the rule that decided.
    func answer(_ request: Request, _ context: SignetRequestContext, _ body: () async throws -> Response) async -> Response {
        do {
            return try await body()
        } catch let refusal as ConsoleRefusal {
            return renderer.refusal(refusal, user: nil)
        } catch {
            let mapped = ErrorMiddleware<SignetRequestContext>.map(error, logger: context.logger)
            return renderer.refusal(ConsoleRefusal(status: mapped.status, message: mapped.message, rule: mapped.rule), user: nil)
        }
    }
}

extension ConsoleValue {
    static func jsonString<T: Encodable>(_ value: T) -> String {
        (try? JSONEncoder.api.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "null"
    }
}
