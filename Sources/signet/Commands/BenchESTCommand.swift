import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOSSL
import Synchronization

/// EST `simpleenroll` under load over mutual TLS, beside REST sign driven by the same client,
/// so that the ratio of the two does not depend on what the load generator costs.
///
/// wrk sends no client certificate. Here each enrollment is a device of its own, as on a
/// factory line: a bootstrap certificate for its id (signed with the manufacturer key given),
/// a new TLS connection presenting it, and a CSR with that id, which a JITP DMS registers.
struct BenchEST: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "est",
        abstract: "EST simpleenroll over mutual TLS under load, and REST sign with the same client (prints figures).",
        discussion: """
            Each enrollment is a fresh device <prefix>-<n>: a P-256 key, a bootstrap certificate \
            for it signed by the manufacturer CA, and a CSR, all prepared before timing. Each opens \
            its own TLS connection (closed after the answer); a JITP DMS registers it and issues \
            its first identity. Then the same devices' new connections asking only for the CA \
            certificates: what the mutual-TLS transport costs without enrollment. REST sign \
            requests share keep-alive connections.
            """
    )
    @Option(help: "The server's base URL.") var url = "https://127.0.0.1:8443"
    @Option(help: "PEM file of the CA that issued the server's TLS certificate.") var caFile: String
    @Option(help: "The manufacturer CA certificate (PEM) the DMS validates bootstrap certificates with.") var manufacturerCert: String
    @Option(help: "Its private key (PEM, P-256), to sign each device's bootstrap certificate.") var manufacturerKey: String
    @Option(help: "The JITP DMS to enroll through.") var dms: String
    @Option(help: "Device id prefix (unique per run: a device enrolls once).") var prefix = "bench-est-\(Int(Date().timeIntervalSince1970))"
    @Option(help: "Concurrent connections.") var connections = 16
    @Option(help: "Seconds per measurement.") var seconds: Double = 10
    @Option(help: "Also measure REST sign on this CA with the same client (needs --token).") var restCA: String?
    @Option(help: "A bearer token with the operator role, for --rest-ca.") var token: String?
    @Option(help: "Devices prepared for EST (the run stops early when they are used up).") var devices = 4000
    @Option(help: "CSRs prepared for REST (the run stops early when they are used up).") var count = 20_000

    func run() async throws {
        let (client, tls) = try BenchHTTPClient.make(caFile: caFile, connections: connections)
        do {
            let fleet = try ESTBenchFleet.make(count: devices, prefix: prefix, manufacturerCert: manufacturerCert, manufacturerKey: manufacturerKey, tls: tls)
            let enrollURL = "\(url)/.well-known/est/\(dms)/simpleenroll"
            let est = try await measure(client, label: "Signet EST simpleenroll (mTLS)", count: fleet.count) { index in
                var request = HTTPClientRequest(url: enrollURL)
                request.method = .POST
                request.tlsConfiguration = fleet[index].tls
                request.headers.add(name: "Content-Type", value: "application/pkcs10")
                request.headers.add(name: "Connection", value: "close")
                request.body = .bytes(ByteBuffer(string: fleet[index].csrBase64))
                return request
            }
            print(est)
            // The transport alone, for comparison: the same devices' new mutual-TLS
            // connections, each asking for the CA certificates (no registry, no signature).
            let cacertsURL = "\(url)/.well-known/est/\(dms)/cacerts"
            let transport = try await measure(client, label: "EST cacerts (new mTLS connection)", count: fleet.count) { index in
                var request = HTTPClientRequest(url: cacertsURL)
                request.tlsConfiguration = fleet[index].tls
                request.headers.add(name: "Connection", value: "close")
                return request
            }
            print(transport)
            if let restCA {
                guard let token else { throw ValidationError("--rest-ca needs --token") }
                let restCSRs = try BenchCSRs.make(count: count, prefix: prefix + "-rest")
                let signURL = "\(url)/api/ca/v1/cas/\(restCA)/sign"
                let rest = try await measure(client, label: "Signet REST sign (same client)", count: restCSRs.count) { index in
                    let csr = restCSRs[index]
                    var request = HTTPClientRequest(url: signURL)
                    request.method = .POST
                    request.headers.add(name: "Content-Type", value: "application/json")
                    request.headers.add(name: "Authorization", value: "Bearer \(token)")
                    request.body = .bytes(ByteBuffer(string: #"{"csr": "\#(Data(csr).base64EncodedString())"}"#))
                    return request
                }
                print(rest)
                if rest.rate > 0 { print(String(format: "EST / REST (same client): %.2f", est.rate / rest.rate)) }
            }
        } catch {
            try? await client.shutdown()
            throw error
        }
        try await client.shutdown()
    }

    struct Figures: CustomStringConvertible {
        let label: String
        let rate: Double
        let p50: Double
        let p99: Double
        let succeeded: Int
        let failed: Int
        let cpu: Double?
        let clientCPU: Double?
        let firstFailure: String?

        var description: String {
            var line = String(format: "%-34@ %7.0f /s  p50 %6.2f ms  p99 %6.2f ms  (%d requests, %d failed)", label as NSString, rate, p50, p99, succeeded + failed, failed)
            if let cpu { line += String(format: "  machine CPU %.0f µs/request", cpu) }
            if let clientCPU { line += String(format: " (of which this client %.0f)", clientCPU) }
            if let firstFailure { line += "\n  first failure: \(firstFailure)" }
            return line
        }
    }

    /// The next CSR to send and the first failure seen, shared by the callers.
    final class Progress: Sendable {
        let next = Atomic<Int>(0)
        let failure = Mutex<String?>(nil)
    }

    /// Sends the CSRs over `connections` concurrent callers until `seconds` pass or the CSRs
    /// run out; only 200/201 answers count as done.
    private func measure(_ client: HTTPClient, label: String, count: Int, request: @escaping @Sendable (Int) -> HTTPClientRequest) async throws -> Figures {
        let progress = Progress()
        let workers = max(1, connections)
        let cpuAtStart = MachineCPU.now()
        let clientAtStart = Self.processCPUSeconds()
        let started = ContinuousClock.now
        let deadline = started + .milliseconds(Int(seconds * 1000))
        let results = await withTaskGroup(of: (latencies: [Duration], failed: Int).self) { group in
            for _ in 0..<workers {
                group.addTask {
                    var latencies: [Duration] = [], failed = 0
                    while ContinuousClock.now < deadline {
                        let index = progress.next.add(1, ordering: .relaxed).oldValue
                        guard index < count else { break }
                        let begin = ContinuousClock.now
                        do {
                            let response = try await client.execute(request(index), timeout: .seconds(30))
                            let body = try await response.body.collect(upTo: 1 << 20)
                            if response.status == .ok || response.status == .created {
                                latencies.append(ContinuousClock.now - begin)
                            } else {
                                failed += 1
                                progress.failure.withLock { $0 = $0 ?? "\(response.status.code) \(String(buffer: body).prefix(300))" }
                            }
                        } catch {
                            failed += 1
                            progress.failure.withLock { $0 = $0 ?? "\(error)" }
                        }
                    }
                    return (latencies, failed)
                }
            }
            return await group.reduce(into: (latencies: [Duration](), failed: 0)) { $0.latencies += $1.latencies; $0.failed += $1.failed }
        }
        let elapsed = ContinuousClock.now - started
        let elapsedSeconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let done = results.latencies.count
        let ms = done > 0 ? Percentiles(results.latencies).milliseconds : { _ in 0 }
        return Figures(
            label: label, rate: Double(done) / elapsedSeconds, p50: ms(0.50), p99: ms(0.99), succeeded: done, failed: results.failed,
            cpu: MachineCPU.microsecondsPerItem(since: cpuAtStart, items: done + results.failed),
            clientCPU: done + results.failed > 0 ? (Self.processCPUSeconds() - clientAtStart) * 1e6 / Double(done + results.failed) : nil,
            firstFailure: progress.failure.withLock { $0 }
        )
    }

    /// User and system CPU of this process, in seconds.
    static func processCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }
}
