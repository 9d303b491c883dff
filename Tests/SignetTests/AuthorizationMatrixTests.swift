import Foundation
import SignetAuth
@testable import SignetServer
import Testing

/// Every route the server registers, called with every kind of bad token and with each
/// role, against this file's own statement of who may call what. The routes come from the
/// server's route table, so a route added without an entry here fails the test.
@Suite struct AuthorizationMatrixTests {
    /// Who may call a route: anyone without a token, or the roles named (admin is written out).
    enum Access: Equatable {
        case open
        case roles(Set<String>)
    }

    static let readers = Access.roles(["auditor", "operator", "admin"])
    static let writers = Access.roles(["operator", "admin"])
    static let auditors = Access.roles(["auditor", "admin"])
    static let admins = Access.roles(["admin"])

    /// The expectations, by method and OpenAPI path template.
    static let expected: [String: Access] = [
        "GET /health": .open, "GET /ready": .open, "GET /openapi.json": .open,
        // Open to loopback (the default metrics_allow), where these calls come from; from
        // elsewhere auditors only (MetricsTests.outsideMetricsAllowAScrapeNeedsAnAuditor).
        "GET /metrics": .open,
        "GET /crl/{ca}": .open, "GET /crl/{ca}/delta": .open, "GET /ca/{file}": .open,
        "POST /ocsp": .open, "GET /ocsp/{request}": .open,
        "GET /.well-known/est/cacerts": .open, "GET /.well-known/est/csrattrs": .open,
        "POST /.well-known/est/simpleenroll": .open, "POST /.well-known/est/simplereenroll": .open,
        "POST /.well-known/est/serverkeygen": .open,
        "GET /.well-known/est/{aps}/cacerts": .open, "GET /.well-known/est/{aps}/csrattrs": .open,
        "POST /.well-known/est/{aps}/simpleenroll": .open, "POST /.well-known/est/{aps}/simplereenroll": .open,
        "POST /.well-known/est/{aps}/serverkeygen": .open,

        "GET /api/ca/v1/cas": readers, "POST /api/ca/v1/cas": admins, "POST /api/ca/v1/cas/import": admins,
        "GET /api/ca/v1/cas/{id}": readers, "GET /api/ca/v1/cas/{id}/certificates": readers,
        "PATCH /api/ca/v1/cas/{id}/metadata": writers, "DELETE /api/ca/v1/cas/{id}": admins,
        "POST /api/ca/v1/cas/{id}/status": admins, "POST /api/ca/v1/cas/{id}/crl": writers,
        "PUT /api/ca/v1/cas/{id}/ocsp-signer": admins, "PUT /api/ca/v1/cas/{id}/allowed-profiles": admins,
        "POST /api/ca/v1/cas/{id}/external-cas": admins, "POST /api/ca/v1/cas/{id}/sign": writers,
        "GET /api/ca/v1/certificates": readers, "GET /api/ca/v1/certificates/{serial}": readers,
        "PUT /api/ca/v1/certificates/{serial}/status": writers, "PATCH /api/ca/v1/certificates/{serial}/metadata": writers,
        "GET /api/ca/v1/stats": readers,
        "GET /api/ca/v1/profiles": readers, "POST /api/ca/v1/profiles": admins, "GET /api/ca/v1/profiles/{id}": readers,
        "PUT /api/ca/v1/profiles/{id}": admins, "DELETE /api/ca/v1/profiles/{id}": admins,
        "POST /api/ca/v1/profiles/{id}/explain": writers,
        "GET /api/ca/v1/audit": auditors, "GET /api/ca/v1/audit/status": auditors,

        "GET /api/dmsmanager/v1/stats": readers, "GET /api/dmsmanager/v1/dms": readers, "POST /api/dmsmanager/v1/dms": writers,
        "GET /api/dmsmanager/v1/dms/{id}": readers, "PUT /api/dmsmanager/v1/dms/{id}": writers,
        "DELETE /api/dmsmanager/v1/dms/{id}": writers, "PUT /api/dmsmanager/v1/dms/{id}/metadata": writers,
        "PATCH /api/dmsmanager/v1/dms/{id}/metadata": writers, "POST /api/dmsmanager/v1/dms/{id}/passcodes": writers,
        "POST /api/dmsmanager/v1/dms/bind-identity": writers,

        "GET /api/devmanager/v1/devices": readers, "POST /api/devmanager/v1/devices": writers,
        "GET /api/devmanager/v1/devices/{id}": readers, "PATCH /api/devmanager/v1/devices/{id}/metadata": writers,
        "PUT /api/devmanager/v1/devices/{id}/metadata": writers, "PATCH /api/devmanager/v1/devices/{id}": writers,
        "POST /api/devmanager/v1/devices/{id}/slots/{slot}/rollback": writers,
        "PUT /api/ca/v1/cas/{id}/metadata": writers, "PUT /api/ca/v1/certificates/{serial}/metadata": writers,
        "POST /api/devmanager/v1/devices/{id}/disable": writers, "POST /api/devmanager/v1/devices/{id}/enable": writers,
        "PUT /api/devmanager/v1/devices/{id}/slots/{slot}": writers, "DELETE /api/devmanager/v1/devices/{id}/decommission": writers,
        "DELETE /api/devmanager/v1/devices/{id}": writers, "GET /api/devmanager/v1/devices/{id}/events": readers,
        "GET /api/devmanager/v1/stats": readers, "POST /api/devmanager/v1/devices/batch": writers,
        "GET /api/devmanager/v1/jobs/{id}": readers,
        "GET /api/devmanager/v1/device-groups": readers, "POST /api/devmanager/v1/device-groups": writers,
        "GET /api/devmanager/v1/device-groups/{id}": readers, "PUT /api/devmanager/v1/device-groups/{id}": writers,
        "DELETE /api/devmanager/v1/device-groups/{id}": writers, "GET /api/devmanager/v1/device-groups/{id}/devices": readers,
        "GET /api/devmanager/v1/device-groups/{id}/stats": readers,
    ]

    /// What a request carries: one of five tokens the server must refuse, or a good token for a role.
    enum Caller: CaseIterable {
        case noToken, expired, wrongAudience, algNone, unknownKey, auditor, `operator`, admin

        var role: String? {
            switch self {
            case .auditor: "auditor"
            case .operator: "operator"
            case .admin: "admin"
            default: nil
            }
        }

        /// What the 401's message must say, so that each refusal is for the reason meant.
        var refusal: String? {
            switch self {
            case .noToken: "an Authorization: Bearer token is required"
            case .expired: "token expired at"
            case .wrongAudience: "\"aud\" claim does not name the expected audience"
            case .algNone: "uses algorithm \"none\""
            case .unknownKey: "signature does not match"
            default: nil
            }
        }
    }

    @Test func everyRouteAnswersEveryCallerAsTheTableSays() async throws {
        let started = ContinuousClock.now
        let environment = try await TestEnvironment.get()
        let table = RouteTable(router: .init(context: SignetRequestContext.self))
        SignetServer.register(table, services: SignetServer.Services(core: environment.core, database: environment.database, token: environment.token))
        let served = table.specs.map { "\($0.method.rawValue) \($0.path)" }
        #expect(Set(served).count == served.count, "a route is registered twice")
        let unlisted = Set(served).subtracting(Self.expected.keys).sorted()
        let stale = Set(Self.expected.keys).subtracting(served).sorted()
        #expect(unlisted.isEmpty, "routes without an expectation in AuthorizationMatrixTests.expected: \(unlisted)")
        #expect(stale.isEmpty, "expectations for routes that do not exist: \(stale)")

        // A DMS over two fresh CAs: reads and EST calls then reach a DMS and a CA that exist.
        let est = try await ESTFixture.make("authz")
        let server = est.server
        let tokens = try Self.tokens(server)
        let bodies = try Bodies(est)
        // The fresh CA's first CRLs are published in the background: an open route must not
        // answer 404 to one caller and 200 to the next because publication fell in between.
        for crl in ["/crl/\(est.registry.ca.caID)", "/crl/\(est.registry.ca.caID)/delta"] {
            let due = ContinuousClock.now + .seconds(30)
            while try server.curl("GET", crl).status != 200, ContinuousClock.now < due { try await Task.sleep(for: .milliseconds(100)) }
        }
        var cells: [Cell] = []
        for spec in table.specs.sorted(by: { ($0.path, $0.method.rawValue) < ($1.path, $1.method.rawValue) }) {
            let route = "\(spec.method.rawValue) \(spec.path)"
            guard let access = Self.expected[route] else { continue }
            let path = Self.fill(spec, ca: est.registry.ca.caID, dms: est.dmsID)
            let body = bodies.body(for: spec)
            for caller in Caller.allCases {
                cells.append(Cell(route: route, request: .init(method: spec.method.rawValue, path: path, token: tokens[caller] ?? nil, body: body),
                                  caller: caller, access: access))
            }
        }
        let results = try ParallelCurl(server: server).run(cells.map(\.request))

        // Open routes answer a bad or good token as they answer none.
        var openStatus: [String: Int] = [:]
        for (cell, result) in zip(cells, results) where cell.access == .open && cell.caller == .noToken { openStatus[cell.route] = result.status }
        for (cell, result) in zip(cells, results) {
            let label = "\(cell.route) as \(cell.caller) (\(cell.request.path)): \(result.status) \(result.text)"
            #expect((200..<500).contains(result.status), "\(label)")
            switch cell.access {
            case .open:
                #expect(result.status == openStatus[cell.route], "an open route changed its answer for a token: \(label)")
            case .roles(let allowed):
                if let reason = cell.caller.refusal {
                    #expect(result.status == 401, "\(label)")
                    #expect(result.header("WWW-Authenticate") == "Bearer", "\(label)")
                    let error = (try? result.json())?["error"] as? [String: Any]
                    #expect(error?["code"] as? String == "unauthorized", "\(label)")
                    #expect((error?["message"] as? String)?.contains(reason) == true, "the 401 does not say why: \(label)")
                } else if let role = cell.caller.role, allowed.contains(role) {
                    #expect(result.status != 401 && result.status != 403, "an allowed role was refused: \(label)")
                } else {
                    #expect(result.status == 403, "a role that may not call the route was let through: \(label)")
                    #expect(((try? result.json())?["error"] as? [String: Any])?["code"] as? String == "forbidden", "\(label)")
                }
            }
        }
        let elapsed = ContinuousClock.now - started
        print("authorization matrix: \(cells.count) cells (\(cells.count / Caller.allCases.count) routes x \(Caller.allCases.count) callers) in \(elapsed)")
        #expect(cells.count >= 500, "the route table looks too small: \(cells.count) cells")
    }

    /// The router skips empty path segments, so `//api/…` reaches an API handler: such a call
    /// is authenticated, refused and audited exactly as its route is.
    @Test func aPathWithDoubledSlashesIsAuthenticatedAndAuditedLikeItsRoute() async throws {
        let server = try await ServerFixture.get()
        let tokens = try Self.tokens(server)
        let read = try server.curl("GET", "//api/ca/v1/cas", token: server.token(["auditor"]))
        #expect(read.status == 200, "\(read.text)")
        let expired = try server.curl("GET", "//api/ca/v1/cas", token: tokens[.expired] ?? nil)
        #expect(expired.status == 401 && expired.text.contains("token expired at"), "\(expired.text)")
        #expect(try server.curl("POST", "//api/ca/v1/cas", token: server.token(["operator"]), body: Array("{}".utf8)).status == 403)

        // A state-changing call is audited under the path it was made with.
        let subject = unique("doubled")
        let path = "//api/ca/v1/cas/authz-matrix-absent/metadata"
        let patch = try server.curl("PATCH", path, token: server.token(["operator"], subject: subject),
                                    body: Array(#"[{"op":"add","path":"/site","value":"x"}]"#.utf8), contentType: "application/json-patch+json")
        #expect(patch.status == 404, "\(patch.text)")
        let calls = try server.curl("GET", "/api/ca/v1/audit?filter=actor%5Beq%5Djwt:\(subject)", token: server.token(["auditor"]))
        let actions = (try calls.json()["list"] as? [[String: Any]] ?? []).map { "\($0["action"] as? String ?? "") \($0["outcome"] as? String ?? "")" }
        #expect(actions == ["PATCH \(path) 404"], "\(actions)")
    }

    struct Cell {
        let route: String
        let request: ParallelCurl.Request
        let caller: Caller
        let access: Access
    }

    /// What each kind of route is sent: a request of its own media type, so that the answer
    /// comes from the handler's real work, not from a refused Content-Type. None of them can
    /// change anything: API bodies are empty objects, the CSR comes without a client
    /// certificate or password, and the OCSP request is not DER.
    struct Bodies {
        let json: ParallelCurl.Body
        let csr: ParallelCurl.Body
        let ocsp: ParallelCurl.Body

        init(_ est: ESTFixture) throws {
            let scratch = est.server.scratch
            json = .init(contentType: "application/json", file: try scratch.write(unique("matrix") + ".json", Array("{}".utf8)))
            csr = .init(contentType: "application/pkcs10", file: try scratch.write(unique("matrix") + ".p10", try est.csr("/CN=authz-matrix").body))
            ocsp = .init(contentType: "application/ocsp-request", file: try scratch.write(unique("matrix") + ".ocsp", Array("not DER".utf8)))
        }

        func body(for spec: RouteSpec) -> ParallelCurl.Body? {
            guard spec.method != .get, spec.method != .delete else { return nil }
            if spec.path.hasPrefix(ESTRoutes.prefix) { return csr }
            return spec.path == "/ocsp" ? ocsp : json
        }
    }

    /// Good tokens for the three roles, and five the server must refuse, each carrying the admin
    /// role so that a wrongly accepted one would reach everything.
    static func tokens(_ server: ServerFixture) throws -> [Caller: String?] {
        let claims: [String: Any] = [
            "sub": "mallory", "iss": "signet-test", "aud": "signet-api", "realm_access": ["roles": ["admin"]],
            "iat": Int(Date().timeIntervalSince1970), "exp": Int(Date().timeIntervalSince1970) + 600,
        ]
        let unsigned = try base64URL(JSONSerialization.data(withJSONObject: ["alg": "none", "typ": "JWT"]))
            + "." + base64URL(JSONSerialization.data(withJSONObject: claims)) + "."
        // Issued two hours ago for ten minutes: far beyond the verifier's 30 s leeway.
        let expired = server.issuer.issue(subject: "tester", roles: ["admin"], issuer: "signet-test", audience: "signet-api",
                                          lifetime: 600, now: Date().addingTimeInterval(-7200))
        return [
            .noToken: nil, .expired: expired, .wrongAudience: server.token(["admin"], audience: "someone-else"),
            .algNone: unsigned, .unknownKey: ServerFixture.foreignToken(),
            .auditor: server.token(["auditor"]), .operator: server.token(["operator"]), .admin: server.token(["admin"]),
        ]
    }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// A concrete path for a template. Reads name the fixture's CA and DMS, so they really find
    /// them; every other parameter names nothing, so that no call the matrix lets through
    /// changes anything.
    static func fill(_ spec: RouteSpec, ca: String, dms: String) -> String {
        let reads = spec.method == .get
        return spec.path.split(separator: "/", omittingEmptySubsequences: false).map { segment in
            switch segment {
            case "{id}" where reads && spec.path.hasPrefix("\(CARoutes.prefix)/cas/"): ca
            case "{id}" where reads && spec.path.hasPrefix("\(DMSRoutes.prefix)/dms/"): dms
            case "{ca}": ca
            case "{file}": "\(ca).der"
            case "{aps}": dms
            case "{serial}": "7e57"
            case "{request}": "MAA"
            case _ where segment.hasPrefix("{"): "authz-matrix-absent"
            default: String(segment)
            }
        }.joined(separator: "/")
    }
}
