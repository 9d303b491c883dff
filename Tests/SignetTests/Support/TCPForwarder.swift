import Foundation
import Testing

/// A TCP forwarder between the server and PostgreSQL, so a test can cut the database off
/// (stop) and bring it back (start) the way a network outage would.
final class TCPForwarder: @unchecked Sendable {
    let port = Int.random(in: 40_000..<50_000)
    private let target: Int
    private let script: String
    private var process: Process?

    init(to target: Int, scratch: Scratch) throws {
        self.target = target
        script = try scratch.write("forward.py", Array("""
            import asyncio, sys
            async def pipe(reader, writer):
                try:
                    while data := await reader.read(65536):
                        writer.write(data)
                        await writer.drain()
                finally:
                    writer.close()
            async def handle(client_reader, client_writer):
                server_reader, server_writer = await asyncio.open_connection('127.0.0.1', int(sys.argv[2]))
                await asyncio.gather(pipe(client_reader, server_writer), pipe(server_reader, client_writer), return_exceptions=True)
            async def main():
                server = await asyncio.start_server(handle, '127.0.0.1', int(sys.argv[1]))
                async with server:
                    await server.serve_forever()
            asyncio.run(main())
            """.utf8))
    }

    func start() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script, String(port), String(target)]
        try process.run()
        self.process = process
        for _ in 0..<50 {
            if (try? Tool.run("bash", ["-c", "exec 3<>/dev/tcp/127.0.0.1/\(port)"]))?.status == 0 { return }
            Thread.sleep(forTimeInterval: 0.1)
        }
        throw TestSetupError("the forwarder did not listen on \(port)")
    }

    /// SIGKILL: a child of the test process may inherit a mask that blocks SIGTERM.
    func stop() {
        if let process { kill(process.processIdentifier, SIGKILL) }
        process?.waitUntilExit()
        process = nil
    }

    deinit { stop() }
}

extension ServerFixture {
    /// A server whose database connections pass through a forwarder the test can stop and
    /// start, to take the database away under it and give it back.
    static func startBehindForwarder() async throws -> (ServerFixture, TCPForwarder) {
        let components = try #require(URLComponents(string: try TestEnvironment.variable("SIGNET_DATABASE_URL")))
        let forwarder = try TCPForwarder(to: try #require(components.port), scratch: try Scratch())
        try forwarder.start()
        var viaForwarder = components
        viaForwarder.port = forwarder.port
        let server = try await ServerFixture.start(extraEnvironment: ["SIGNET_DATABASE_URL": try #require(viaForwarder.string)])
        return (server, forwarder)
    }
}
