import AsyncHTTPClient
import NIOCore
import NIOSSL

/// The HTTP client the load-driving bench commands share: HTTP/1.1 keep-alive connections
/// to servers whose TLS certificates chain to `caFile`, up to `connections` per server.
enum BenchHTTPClient {
    static func make(caFile: String, connections: Int, connectTimeout: TimeAmount? = nil) throws -> (client: HTTPClient, tls: TLSConfiguration) {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(caFile))
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: connections)
        configuration.httpVersion = .http1Only
        if let connectTimeout { configuration.timeout = .init(connect: connectTimeout) }
        return (HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration), tls)
    }
}
