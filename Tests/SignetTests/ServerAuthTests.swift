import Foundation
import SignetAuth
import Testing

/// Every /api route needs a valid JWT (401 otherwise) and the right role (403 otherwise).
@Suite struct ServerAuthTests {
    @Test func withoutAValidTokenEveryAPIRouteIs401() async throws {
        let server = try await ServerFixture.get()
        let bad: [(String, String?)] = [
            ("no token", nil),
            ("garbage", "not.a.jwt"),
            ("expired", server.token(["admin"], lifetime: -3600)),
            ("wrong audience", server.token(["admin"], audience: "someone-else")),
            ("foreign key", ServerFixture.foreignToken()),
        ]
        for (name, token) in bad {
            for (method, path) in [("GET", "/api/ca/v1/cas"), ("POST", "/api/ca/v1/cas/x/sign"), ("DELETE", "/api/ca/v1/profiles/x")] {
                let result = try server.curl(method, path, token: token, body: method == "POST" ? Array("{}".utf8) : nil)
                #expect(result.status == 401, "\(name) \(method) \(path): \(result.text)")
                #expect(try result.json()["error"] != nil)
                #expect(result.header("WWW-Authenticate") == "Bearer")
            }
        }
    }

    @Test func rolesAreEnforcedPerRoute() async throws {
        let server = try await ServerFixture.get()
        let auditor = server.token(["auditor"]), operatorToken = server.token(["operator"]), nobody = server.token([])
        let csr = try OpenSSLCSR.make(subject: "/CN=role-probe", in: server.scratch)
        let sign = try server.json(["csr": String(decoding: csr, as: UTF8.self)])
        let path = "/api/ca/v1/cas/\(server.gate.subID)/sign"

        #expect(try server.curl("POST", path, token: auditor, body: sign).status == 403)
        #expect(try server.curl("POST", path, token: nobody, body: sign).status == 403)
        #expect(try server.curl("POST", path, token: operatorToken, body: sign).status == 201)
        #expect(try server.curl("POST", path, token: server.token(["admin"]), body: sign).status == 201)

        // Operators issue but do not manage CAs or profiles; auditors read and see the audit log.
        let profile = try server.json(["id": unique("p"), "validity": ["type": "Duration", "duration": "24h"]])
        #expect(try server.curl("POST", "/api/ca/v1/profiles", token: operatorToken, body: profile).status == 403)
        #expect(try server.curl("GET", "/api/ca/v1/cas", token: auditor).status == 200)
        #expect(try server.curl("GET", "/api/ca/v1/audit", token: auditor).status == 200)
        #expect(try server.curl("GET", "/api/ca/v1/audit", token: operatorToken).status == 403)
        let forbidden = try server.curl("DELETE", "/api/ca/v1/cas/\(server.gate.subID)", token: operatorToken)
        #expect(forbidden.status == 403)
        #expect(try forbidden.json()["error"].flatMap { ($0 as? [String: Any])?["code"] as? String } == "forbidden")
    }

    @Test func publicRoutesNeedNoToken() async throws {
        let server = try await ServerFixture.get()
        #expect(try server.curl("GET", "/health").status == 200)
        #expect(try server.curl("GET", "/ready").status == 200)
        #expect(try server.curl("GET", "/openapi.json").status == 200)
    }
}

extension ServerFixture {
    /// A well-formed token signed by a key the server does not trust.
    static func foreignToken() -> String {
        let (other, _) = JWTIssuer.generate(keyID: "test-key")
        return other.issue(subject: "mallory", roles: ["admin"], issuer: "signet-test", audience: "signet-api", lifetime: 600)
    }
}
