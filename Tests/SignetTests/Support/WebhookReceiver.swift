import Foundation

/// A stand-in for a DMS's enrollment webhook (outside Signet's control, so a fake is fair):
/// an HTTPS server in Python that answers by path — `/allow`, `/deny`, `/slow` (answers
/// after 3 s), `/broken` (HTTP 500) — and records each request's JSON body.
final class WebhookReceiver: @unchecked Sendable {
    let port: Int
    let log: String
    private let process: Process

    init(server: ServerFixture) throws {
        port = Int.random(in: 40_000..<50_000)
        log = server.scratch.path(unique("webhook") + ".log")
        let script = """
            import http.server, json, ssl, sys, time
            class Handler(http.server.BaseHTTPRequestHandler):
                def do_POST(self):
                    body = self.rfile.read(int(self.headers.get('Content-Length', 0)))
                    with open(sys.argv[4], 'ab') as log:
                        log.write(body + b'\\n')
                    if self.path == '/slow':
                        time.sleep(3)
                    status, answer = {
                        '/allow': (200, {'allowed': True}),
                        '/deny': (200, {'allowed': False, 'reason': 'not on the shipping list'}),
                        '/broken': (500, {'error': 'down'}),
                    }.get(self.path, (200, {'allowed': True}))
                    data = json.dumps(answer).encode()
                    self.send_response(status)
                    self.send_header('Content-Type', 'application/json')
                    self.send_header('Content-Length', str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                def log_message(self, *args):
                    pass
            httpd = http.server.ThreadingHTTPServer(('127.0.0.1', int(sys.argv[1])), Handler)
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(sys.argv[2], sys.argv[3])
            httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
            httpd.serve_forever()
            """
        // "signet-test-server" in its name: deploy/test ends every such process when the run ends.
        let file = try server.scratch.write(unique("signet-test-server-webhook") + ".py", Array(script.utf8))
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", file, String(port), server.tlsChain, server.tlsKey, log]
        // Never the test runner's own output: a child holding it open would keep the run from ending.
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        for _ in 0..<50 {
            let probe = try Tool.run("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "--cacert", server.rootFile, "-X", "POST", "-d", "{}", url("/allow")])
            if probe.output == "200" { return }
            Thread.sleep(forTimeInterval: 0.1)
        }
        throw TestSetupError("the webhook receiver did not start")
    }

    func url(_ path: String) -> String { "https://localhost:\(port)\(path)" }

    /// The JSON bodies received so far.
    func requests() throws -> [[String: Any]] {
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    deinit { process.terminate() }
}
