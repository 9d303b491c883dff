import Foundation
import Testing

/// Console sign-in through an OpenID Connect provider: authorization code with PKCE, the ID
/// token checked (signature, issuer, audience, nonce), its roles taken, each state spent once.
@Suite struct ConsoleOIDCTests {

    struct Hop {
        let status: Int
        let location: String?
        let setCookie: String?
        let body: String
    }

    /// One request, redirects not followed.
    static func hop(_ url: String, root: String, cookie: String? = nil, in server: ServerFixture) throws -> Hop {
        let name = unique("oidc-hop")
        var arguments = ["-sS", "--max-time", "20", "--cacert", root, "-o", server.scratch.path(name), "-D", server.scratch.path(name + ".h"), "-w", "%{http_code}"]
        if let cookie { arguments += ["-H", "Cookie: \(cookie)"] }
        let result = try Tool.run("curl", arguments + [url])
        guard let status = Int(result.output) else { throw TestSetupError("curl: \(result.error)") }
        let headers = ServerFixture.HTTPResult(status: status, body: [], headers: String(decoding: try server.scratch.read(name + ".h"), as: UTF8.self))
        return Hop(status: status, location: headers.header("Location"), setCookie: headers.header("Set-Cookie"),
                   body: String(decoding: (try? server.scratch.read(name)) ?? [], as: UTF8.self))
    }

    /// Start → provider → callback, as a browser follows them; the callback's answer.
    static func signIn(_ server: ServerFixture) throws -> (callback: String, answer: Hop) {
        let start = try hop(server.base + "/console/oidc/start", root: server.rootFile, in: server)
        guard start.status == 303, let authorize = start.location else { throw TestSetupError("start: \(start.status) \(start.body)") }
        let provider = try hop(authorize, root: server.rootFile, in: server)
        guard provider.status == 302, let callback = provider.location else { throw TestSetupError("authorize: \(provider.status) \(provider.body)") }
        return (callback, try hop(callback, root: server.rootFile, in: server))
    }

    @Test func aProviderSignsPeopleInWithTheRolesItNamesAndNothingIsReplayed() async throws {
        let shared = try await ServerFixture.get()
        // A confidential client: the provider refuses a token request without the secret, so
        // a server ignoring oidc_client_secret_file opens no session below.
        let secret = UUID().uuidString + UUID().uuidString
        let provider = try FakeOIDCProvider(certificatesOf: shared, clientSecret: secret)
        defer { provider.stop() }
        let secretFile = try shared.scratch.write(unique("oidc-secret"), Array((secret + "\n").utf8))
        let server = try await ServerFixture.start(extraEnvironment: [
            "SIGNET_OIDC_ISSUER": provider.issuer, "SIGNET_OIDC_CLIENT_ID": "signet-console", "SIGNET_OIDC_CA_FILE": shared.rootFile,
            "SIGNET_OIDC_CLIENT_SECRET_FILE": secretFile,
        ])

        // Signed out, the page offers single sign-on.
        #expect(try server.curl("GET", "/console").text.contains("/console/oidc/start"))

        try provider.signIn(subject: "dana", roles: ["operator", "offline_access"])
        let (callback, answer) = try Self.signIn(server)
        #expect(answer.status == 200, "\(answer.body)")
        let cookie = try #require(answer.setCookie)
        #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"))
        let overview = try Self.hop(server.base + "/console", root: server.rootFile, cookie: String(cookie.split(separator: ";")[0]), in: server)
        #expect(overview.status == 200)
        #expect(overview.body.contains("dana") && overview.body.contains("(operator)"), "only Signet's roles are taken")

        // What the provider saw: PKCE with S256 and a nonce, and a verifier that matched (it
        // answers 400 otherwise, and there would be no session).
        let requests = try provider.requests()
        let authorize = try #require(requests.first { $0["at"] == "authorize" })
        #expect(authorize["code_challenge_method"] == "S256" && authorize["nonce"]?.count == 43 && authorize["state"]?.count == 43)
        #expect(authorize["redirect_uri"] == server.base + "/console/oidc/callback")
        let token = try #require(requests.first { $0["at"] == "token" })
        #expect(token["code_verifier"]?.count == 43 && token["client_id"] == "signet-console")

        // The same redirect again: its state is spent.
        let replay = try Self.hop(callback, root: server.rootFile, in: server)
        #expect(replay.status == 401 && replay.setCookie == nil, "\(replay.body)")
        #expect(replay.body.contains("console.oidc.state"))

        // An ID token with another sign-in's nonce is refused.
        try provider.signIn(subject: "mallory", roles: ["admin"], nonce: "not-the-nonce-that-was-sent")
        let wrongNonce = try Self.signIn(server).answer
        #expect(wrongNonce.status == 401 && wrongNonce.setCookie == nil)
        #expect(wrongNonce.body.contains("console.oidc.nonce"))

        // An account without a Signet role gets no session.
        try provider.signIn(subject: "erin", roles: ["offline_access"])
        let roleless = try Self.signIn(server).answer
        #expect(roleless.status == 403 && roleless.setCookie == nil)
        #expect(roleless.body.contains("console.oidc.roles"))
        await server.stop()
    }
}
