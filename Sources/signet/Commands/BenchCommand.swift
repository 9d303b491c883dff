import ArgumentParser
import Crypto
import Dispatch
import Foundation
import SignetCore
import SignetToken
import SwiftASN1
import X509

struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure the token and the gate (prints figures; asserts nothing).",
        subcommands: [TokenSignatures.self, Issuance.self, BenchStages.self, BenchEST.self, BenchCRL.self, BenchDevices.self, BenchLint.self, BenchLoad.self, BenchOCSPCheck.self]
    )

    struct TokenSignatures: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "token", abstract: "Raw P-256 token signatures per second with 1 and 2 sessions.")
        @Option(help: "Seconds per measurement.") var seconds: Double = 3

        func run() async throws {
            let token = try Token(try Settings().tokenConfiguration(maxSessions: 2))
            for (sessions, rate) in try await TokenRate.measure(token: token, sessionCounts: [1, 2], seconds: seconds) {
                print(String(format: "token P-256 signatures/s, %d session(s): %.0f", sessions, rate))
            }
        }
    }

    struct Issuance: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "issue",
            abstract: "Gate issuances per second, CSR to stored certificate, against a P-256 CA key.",
            discussion: "Creates bench profiles and a bench root CA (kept, marked by its id) unless --ca names one."
        )
        @Option(help: "Concurrent issuers.") var concurrency: Int = 8
        @Option(help: "CSRs to issue (fresh P-256 keys, prepared before timing).") var count: Int = 3000
        @Option(help: "Issue from this existing CA instead of a new bench CA.") var ca: String?
        @Option(help: "The profile to issue with (default: the bench leaf profile, or the CA's default with --ca).") var profile: String?

        func run() async throws {
            let csrs = try BenchCSRs.make(count: count)
            let concurrency = max(1, self.concurrency)
            let existingCA = ca
            let profileID = profile ?? (ca == nil ? BenchCA.leafProfile : nil)
            try await Runtime.with(token: true) { runtime in
                let core = runtime.core!
                var caID = existingCA ?? ""
                if existingCA == nil { caID = try await BenchCA.create(runtime: runtime) }
                let issuingCA = caID
                let tokenRate = try await TokenRate.measure(token: runtime.token!, sessionCounts: [1], seconds: 2)[0].1
                let cpuAtStart = MachineCPU.now()
                let started = ContinuousClock.now
                let latencies = try await withThrowingTaskGroup(of: [Duration].self) { group in
                    for worker in 0..<concurrency {
                        group.addTask {
                            var mine: [Duration] = []
                            for index in stride(from: worker, to: csrs.count, by: concurrency) {
                                let begin = ContinuousClock.now
                                _ = try await core.issue(csr: csrs[index], caID: issuingCA, profileID: profileID, requester: Requester("bench"))
                                mine.append(ContinuousClock.now - begin)
                            }
                            return mine
                        }
                    }
                    return try await group.reduce(into: []) { $0 += $1 }.sorted()
                }
                let elapsed = ContinuousClock.now - started
                let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
                let ms = Percentiles(latencies).milliseconds
                print(String(format: "token P-256 signatures/s (1 session): %.0f", tokenRate))
                print(String(format: "gate issuances/s (CSR to stored certificate, %d concurrent): %.0f  [%d in %.2f s]", concurrency, Double(latencies.count) / seconds, latencies.count, seconds))
                print(String(format: "latency ms: p50 %.2f  p99 %.2f", ms(0.50), ms(0.99)))
                if let cpu = MachineCPU.microsecondsPerItem(since: cpuAtStart, items: latencies.count) {
                    print(String(format: "machine CPU per certificate (this process, PostgreSQL, kernel): %.0f µs", cpu))
                }
                // A bench CA of its own is retired, so that no server keeps publishing CRLs and
                // pre-signing OCSP responses for thousands of bench certificates.
                if existingCA == nil { _ = try await core.revokeCA(id: issuingCA, reason: .cessationOfOperation, requester: Requester("bench")) }
            }
        }
    }
}

/// Raw token signing rate: each session signs SHA-256 digests of a TBS-sized message in a loop.
enum TokenRate {
    static func measure(token: Token, sessionCounts: [Int], seconds: Double) async throws -> [(Int, Double)] {
        var keyID = [UInt8](repeating: 0, count: 16)
        for index in keyID.indices { keyID[index] = .random(in: .min ... .max) }
        let id = keyID
        _ = try await token.perform { try token.generateKeyPair(.ecP256, id: id, label: "signet-bench") }
        defer { try? token.destroyKeyPair(id: id) }
        let message = [UInt8](repeating: 0x5A, count: 400)
        var results: [(Int, Double)] = []
        for sessions in sessionCounts {
            let count = try await token.perform {
                let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(seconds * 1e9)
                let tally = Tally()
                DispatchQueue.concurrentPerform(iterations: sessions) { _ in
                    var signed = 0
                    defer { tally.add(signed) }
                    while DispatchTime.now().uptimeNanoseconds < deadline {
                        do { _ = try token.sign(id: id, algorithm: .ecdsaSHA256, message: message) } catch { tally.fail(error); return }
                        signed += 1
                    }
                }
                return try tally.total()
            }
            results.append((sessions, Double(count) / seconds))
        }
        return results
    }

    /// Signatures counted by the workers, or the first error one of them hit.
    final class Tally: @unchecked Sendable {
        private let lock = NSLock()
        private var count = 0
        private var error: (any Error)?
        func add(_ signed: Int) { lock.withLock { count += signed } }
        func fail(_ failure: any Error) { lock.withLock { error = error ?? failure } }
        func total() throws -> Int {
            try lock.withLock {
                if let error { throw error }
                return count
            }
        }
    }
}

/// CSRs with fresh P-256 keys, made before timing starts.
enum BenchCSRs {
    /// Fresh P-256 keys, each CSR with the common name `<prefix>-<n>`.
    static func make(count: Int, prefix: String = "bench-device") throws -> [[UInt8]] {
        try (0..<count).map { index in try csr(key: P256.Signing.PrivateKey(), commonName: "\(prefix)-\(index)") }
    }

    /// The DER of a CSR for `commonName`, signed with `key`.
    static func csr(key: P256.Signing.PrivateKey, commonName: String) throws -> [UInt8] {
        let csr = try CertificateSigningRequest(
            version: .v1,
            subject: try DistinguishedName { CommonName(commonName) },
            privateKey: Certificate.PrivateKey(key),
            attributes: CertificateSigningRequest.Attributes(),
            signatureAlgorithm: .ecdsaWithSHA256
        )
        var serializer = DER.Serializer()
        try serializer.serialize(csr)
        return serializer.serializedBytes
    }
}

/// A throwaway root CA and profiles for benchmarking.
enum BenchCA {
    static let leafProfile = "bench-leaf"

    static func create(runtime: Runtime) async throws -> String {
        var caProfile = IssuanceProfile(id: "bench-ca", validity: .init(type: .duration, duration: "87600h"))
        caProfile.signAsCA = true
        caProfile.keyUsage.certSign = true
        caProfile.keyUsage.crlSign = true
        var leaf = IssuanceProfile(id: leafProfile, validity: .init(type: .duration, duration: "720h"))
        leaf.keyUsage.digitalSignature = true
        leaf.extendedKeyUsages = [.clientAuth]
        leaf.honorSubject = true
        for profile in [caProfile, leaf] { _ = try await runtime.stores.profiles.save(StoredProfile(profile)) }
        let id = "bench-\(Int(Date().timeIntervalSince1970))"
        _ = try await runtime.core!.createCA(CACreationRequest(
            id: id,
            subject: try SubjectText.parse("CN=Signet bench \(id)"),
            keySpec: .ecP256,
            profileID: caProfile.id,
            issuanceProfileID: leafProfile,
            requester: .localAdministrator("bench")
        ))
        return id
    }
}

/// Latency percentiles of a benchmark's calls.
struct Percentiles {
    let sorted: [Duration]

    init(_ latencies: [Duration]) { sorted = latencies.sorted() }

    /// The `q` quantile (0.5, 0.99) in milliseconds.
    func milliseconds(_ q: Double) -> Double {
        let d = sorted[min(sorted.count - 1, Int(Double(sorted.count) * q))]
        return Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
    }
}
