import Foundation

/// A stand-in for an OpenID Connect provider (outside Signet's control, so a fake is fair):
/// an HTTPS server in Python that serves discovery and a JWKS, "signs in" whoever the
/// `user` file names at /authorize (redirecting back with a code, as a provider does once
/// its user has logged in), and at /token checks the code, the redirect URI, the client and
/// the PKCE verifier against the challenge before it returns an RS256 ID token with the
/// nonce it was given. Requests are logged, one JSON object per line.
final class FakeOIDCProvider: @unchecked Sendable {
    let port: Int
    let userFile: String
    let log: String
    private let process: Process
    var issuer: String { "https://localhost:\(port)" }

    static let script = #"""
    import base64, hashlib, http.server, json, secrets, ssl, subprocess, sys, time, urllib.parse
    port, chain, key, user_file, log_file, rsa_key, secret = sys.argv[1:8]
    issuer = f"https://localhost:{port}"
    text = subprocess.run(["openssl", "rsa", "-in", rsa_key, "-noout", "-text"], capture_output=True, text=True, check=True).stdout
    def number(label):
        digits = ""
        for line in text.split("\n" + label + ":")[1].splitlines()[1:]:
            if not line.startswith("    "): break
            digits += line.strip().replace(":", "")
        return int(digits, 16)
    n, d = number("modulus"), number("privateExponent")
    b64 = lambda raw: base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
    def sign(claims):
        head = b64(json.dumps({"alg": "RS256", "typ": "JWT", "kid": "idp-1"}).encode()) + "." + b64(json.dumps(claims).encode())
        digest = bytes.fromhex("3031300d060960864801650304020105000420") + hashlib.sha256(head.encode()).digest()
        size = (n.bit_length() + 7) // 8
        block = b"\x00\x01" + b"\xff" * (size - len(digest) - 3) + b"\x00" + digest
        return head + "." + b64(pow(int.from_bytes(block, "big"), d, n).to_bytes(size, "big"))
    codes = {}
    class Handler(http.server.BaseHTTPRequestHandler):
        def answer(self, status, body=None, location=None):
            data = json.dumps(body).encode() if body is not None else b""
            self.send_response(status)
            if location: self.send_header("Location", location)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        def record(self, entry):
            with open(log_file, "a") as out: out.write(json.dumps(entry) + "\n")
        def do_GET(self):
            url = urllib.parse.urlparse(self.path)
            query = dict(urllib.parse.parse_qsl(url.query))
            if url.path == "/.well-known/openid-configuration":
                return self.answer(200, {"issuer": issuer, "authorization_endpoint": issuer + "/authorize",
                                         "token_endpoint": issuer + "/token", "jwks_uri": issuer + "/jwks"})
            if url.path == "/jwks":
                e = (65537).to_bytes(3, "big")
                return self.answer(200, {"keys": [{"kty": "RSA", "kid": "idp-1", "use": "sig", "alg": "RS256",
                                                   "n": b64(n.to_bytes((n.bit_length() + 7) // 8, "big")), "e": b64(e)}]})
            if url.path == "/authorize":
                self.record({"at": "authorize", **query})
                if query.get("response_type") != "code" or query.get("code_challenge_method") != "S256" or not query.get("code_challenge"):
                    return self.answer(400, {"error": "invalid_request"})
                code = secrets.token_urlsafe(24)
                codes[code] = query
                back = query["redirect_uri"] + "?" + urllib.parse.urlencode({"code": code, "state": query["state"]})
                return self.answer(302, location=back)
            self.answer(404, {"error": "not_found"})
        def do_POST(self):
            form = dict(urllib.parse.parse_qsl(self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()))
            self.record({"at": "token", **{k: v for k, v in form.items() if k != "client_secret"}})
            asked = codes.pop(form.get("code"), None)
            if asked is None or form.get("grant_type") != "authorization_code":
                return self.answer(400, {"error": "invalid_grant"})
            challenge = b64(hashlib.sha256(form.get("code_verifier", "").encode()).digest())
            if secret and form.get("client_secret") != secret:
                return self.answer(401, {"error": "invalid_client"})
            if challenge != asked["code_challenge"] or form.get("redirect_uri") != asked["redirect_uri"] or form.get("client_id") != asked["client_id"]:
                return self.answer(400, {"error": "invalid_grant", "error_description": "PKCE, redirect URI or client does not match"})
            user = json.load(open(user_file))
            now = int(time.time())
            claims = {"iss": issuer, "sub": user["sub"], "aud": asked["client_id"], "iat": now, "exp": now + 300,
                      "nonce": user.get("nonce", asked["nonce"]), "realm_access": {"roles": user["roles"]}}
            self.answer(200, {"access_token": secrets.token_urlsafe(16), "token_type": "Bearer", "expires_in": 300, "id_token": sign(claims)})
        def log_message(self, *args): pass
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", int(port)), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(chain, key)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    httpd.serve_forever()
    """#

    /// Serves with the test server's certificate (issued for localhost by the test root).
    /// With `clientSecret`, /token refuses a request that does not carry it.
    init(certificatesOf server: ServerFixture, clientSecret: String = "") throws {
        port = Int.random(in: 40_000..<50_000)
        userFile = server.scratch.path(unique("oidc-user") + ".json")
        log = server.scratch.path(unique("oidc") + ".log")
        let rsaKey = server.scratch.path(unique("oidc-key") + ".pem")
        let made = try Tool.run("openssl", ["genrsa", "-out", rsaKey, "2048"])
        guard made.status == 0 else { throw TestSetupError("openssl genrsa: \(made.error)") }
        try Self.write(user: ["sub": "nobody", "roles": [String]()], to: userFile)
        // "signet-test-server" in its name: deploy/test ends every such process when the run ends.
        let file = try server.scratch.write(unique("signet-test-server-oidc") + ".py", Array(Self.script.utf8))
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", file, String(port), server.tlsChain, server.tlsKey, userFile, log, rsaKey, clientSecret]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        for _ in 0..<50 {
            let probe = try Tool.run("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "--cacert", server.rootFile, issuer + "/jwks"])
            if probe.output == "200" { return }
            Thread.sleep(forTimeInterval: 0.1)
        }
        throw TestSetupError("the OIDC provider stand-in did not start")
    }

    /// Who the next /authorize signs in; `nonce` overrides the one the token carries.
    func signIn(subject: String, roles: [String], nonce: String? = nil) throws {
        var user: [String: Any] = ["sub": subject, "roles": roles]
        if let nonce { user["nonce"] = nonce }
        try Self.write(user: user, to: userFile)
    }

    private static func write(user: [String: Any], to file: String) throws {
        try JSONSerialization.data(withJSONObject: user).write(to: URL(fileURLWithPath: file))
    }

    /// The requests it received, in order.
    func requests() throws -> [[String: String]] {
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        return try text.split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: String] ?? [:] }
    }

    func stop() { process.terminate() }
}
