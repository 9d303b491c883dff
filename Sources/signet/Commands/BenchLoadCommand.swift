import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOSSL
import SignetCore
import Synchronization
import X509

/// A mixed, paced load of REST issuances and EST enrollments spread over one or more servers,
/// as a load balancer would spread it, for fault runs (deploy/chaos). Unlike the benchmarks
/// it keeps every certificate it receives, in a file written as they arrive, so that what
/// clients hold can be compared with what the database holds, and it classifies every
/// answer: a 5xx other than "unavailable with Retry-After" is a defect, as is a request left
/// hanging past the client's timeout.
struct BenchLoad: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load",
        abstract: "Mixed REST sign and EST enroll load over several servers, recording each certificate received.",
        discussion: """
            Request n goes to server n mod (number of --url) and is an EST enrollment for a fresh \
            JITP device when n mod 100 < --est-percent, otherwise a REST sign. Requests start at \
            --rate per second (at most --connections in flight) until --seconds pass or --count \
            requests are sent. `bench ocsp-check` then asks about each certificate recorded.
            """
    )
    @Option(help: "A server's base URL (repeat for several servers).") var url: [String] = []
    @Option(help: "PEM file of the CA that issued the servers' TLS certificates.") var caFile: String
    @Option(help: "The CA to sign REST requests with.") var restCA: String
    @Option(help: "A bearer token with the operator role.") var token: String
    @Option(help: "The JITP DMS EST devices enroll through.") var dms: String?
    @Option(help: "The manufacturer CA certificate (PEM) the DMS trusts.") var manufacturerCert: String?
    @Option(help: "Its private key (PEM, P-256), for each device's bootstrap certificate.") var manufacturerKey: String?
    @Option(help: "Share of requests that are EST enrollments, in percent.") var estPercent = 15
    @Option(help: "Requests started per second.") var rate: Double = 250
    @Option(help: "Requests in flight at most.") var connections = 32
    @Option(help: "Seconds the load runs at most.") var seconds: Double = 20
    @Option(help: "Requests sent at most.") var count = 6000
    @Option(help: "Seconds a request may take before the client gives up (counted as timeout).") var timeout: Int64 = 20
    @Option(help: "Common-name prefix of this run's certificates (unique per run).") var prefix = "load-\(Int(Date().timeIntervalSince1970))"
    @Option(help: "File to append each certificate received to (serial, kind, server, common name).") var record: String?

    func validate() throws {
        guard !url.isEmpty else { throw ValidationError("give at least one --url") }
        guard rate > 0, connections > 0, seconds > 0, count > 0, timeout > 0 else { throw ValidationError("--rate, --connections, --seconds, --count and --timeout must be positive") }
        guard (0...100).contains(estPercent) else { throw ValidationError("--est-percent is between 0 and 100") }
        if estPercent > 0, dms == nil || manufacturerCert == nil || manufacturerKey == nil {
            throw ValidationError("EST requests need --dms, --manufacturer-cert and --manufacturer-key (or --est-percent 0)")
        }
    }

    func run() async throws {
        // A killed server refuses at once; a hung one is what --timeout is for.
        let (client, tls) = try BenchHTTPClient.make(caFile: caFile, connections: connections, connectTimeout: .seconds(3))
        defer { _ = client.shutdown() }

        let estCount = estPercent == 0 ? 0 : count * estPercent / 100 + 1
        let fleet = try estCount == 0 ? [] : ESTBenchFleet.make(count: estCount, prefix: prefix + "-est", manufacturerCert: manufacturerCert!, manufacturerKey: manufacturerKey!, tls: tls)
        let csrs = try BenchCSRs.make(count: count - estCount + 1, prefix: prefix + "-rest").map { Data($0).base64EncodedString() }
        let received = try ReceivedCertificates(path: record)
        let load = LoadRun(client: client, plan: LoadPlan(urls: url, estPercent: estPercent), restCA: restCA, token: token, dms: dms ?? "",
                           timeout: timeout, fleet: fleet, csrs: csrs, received: received)
        await load.run(rate: rate, connections: connections, seconds: seconds, count: count)
        received.close()
        print(load.tally.summary(label: "load"))
    }
}
