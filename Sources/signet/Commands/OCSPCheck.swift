import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOSSL
import Synchronization
import X509

/// Asks the servers (round robin) over OCSP about each certificate a load run recorded:
/// each must answer `good`, or `revoked` where the caller revoked it. A certificate a client
/// received is one the CA stands behind: an `unknown` would mean the store lost it, a
/// failure that the responder cannot serve it.
struct BenchOCSPCheck: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ocsp-check",
        abstract: "Check over OCSP every certificate a `bench load` run recorded (prints a summary; exit 1 on any mismatch)."
    )
    @Option(help: "A server's base URL (repeat for several servers).") var url: [String] = []
    @Option(help: "PEM file of the CA that issued the servers' TLS certificates.") var caFile: String
    @Option(help: "The issuer of the recorded certificates (PEM).") var issuer: String
    @Option(help: "The record `bench load --record` wrote.") var record: String
    @Option(help: "A file of serials (hex, one per line) that must answer revoked.") var revoked: String?
    @Option(help: "Requests in flight at most.") var connections = 16

    func validate() throws {
        guard !url.isEmpty else { throw ValidationError("give at least one --url") }
    }

    func run() async throws {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(caFile))
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: HTTPClient.Configuration(tlsConfiguration: tls))
        defer { _ = client.shutdown() }
        let issuer = try Certificate(pemEncoded: String(contentsOfFile: issuer, encoding: .utf8))
        let revokedSerials = Set(try revoked.map { try lines($0) } ?? [])
        let serials = try lines(record).map { String($0.prefix { $0 != "\t" }) }
        let checks = try serials.map { serial in
            (serial: serial, expected: revokedSerials.contains(serial) ? LoadWire.CertificateStatus.revoked : .good,
             request: try LoadWire.ocspRequest(serial: Certificate.SerialNumber(bytes: try hexBytes(serial)), issuer: issuer))
        }
        let progress = Progress()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<max(1, connections) {
                group.addTask {
                    while case let index = progress.next.add(1, ordering: .relaxed).oldValue, index < checks.count {
                        let check = checks[index]
                        let answer = await Self.status(client, check.request, server: url[index % url.count])
                        progress.results.withLock { results in
                            if answer == check.expected.rawValue { results.matched += 1 } else { results.other.append("\(check.serial): \(answer), expected \(check.expected.rawValue)") }
                        }
                    }
                }
            }
        }
        let mismatches = progress.results.withLock { results in
            print("ocsp: checked=\(checks.count) as_expected=\(results.matched) revoked_expected=\(revokedSerials.count) mismatched=\(results.other.count)")
            for failure in results.other.prefix(20) { print("  \(failure)") }
            return results.other.count
        }
        if mismatches > 0 { throw ExitCode(1) }
    }

    final class Progress: Sendable {
        let next = Atomic<Int>(0)
        let results = Mutex<(matched: Int, other: [String])>((0, []))
    }

    /// The status answered, or what went wrong instead.
    private static func status(_ client: HTTPClient, _ der: [UInt8], server: String) async -> String {
        var request = HTTPClientRequest(url: server + "/ocsp")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/ocsp-request")
        request.body = .bytes(ByteBuffer(bytes: der))
        do {
            let response = try await client.execute(request, timeout: .seconds(20))
            let body = Array(buffer: try await response.body.collect(upTo: 1 << 16))
            guard response.status == .ok else { return "HTTP \(response.status.code)" }
            return try LoadWire.ocspStatus(body).rawValue
        } catch {
            return "\(error)"
        }
    }

    private func lines(_ path: String) throws -> [String] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init).filter { !$0.isEmpty }
    }

    private func hexBytes(_ hex: String) throws -> [UInt8] {
        let digits = Array(hex.utf8)
        guard digits.count % 2 == 0, !digits.isEmpty else { throw ValidationError("'\(hex)' in the record is not a hex serial") }
        return try stride(from: 0, to: digits.count, by: 2).map { index in
            guard let byte = UInt8(String(decoding: digits[index...index + 1], as: UTF8.self), radix: 16) else { throw ValidationError("'\(hex)' in the record is not a hex serial") }
            return byte
        }
    }
}
