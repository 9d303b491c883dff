import ArgumentParser
import Foundation
import SignetAuth
import SignetCore

/// `signet bench stages`: where one issuance's time goes, stage by stage, without a profiler.
struct BenchStages: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stages",
        abstract: "Time each stage of the gate's issuance, one issuance at a time (prints figures; asserts nothing).",
        discussion: """
            Issues --count certificates in turn (after a warm-up) with the gate's stage recorder on, \
            and prints each stage's mean per certificate: the computing stages take their CPU time, \
            the token and database stages how long the gate waited. Then the process's and the \
            machine's CPU per certificate, and what verifying a bearer token costs the HTTP layer \
            (uncached; the server caches a verified token until it expires).
            """
    )
    @Option(help: "Certificates to time (fresh P-256 keys, prepared before timing).") var count: Int = 1000
    @Option(help: "Issue from this existing CA instead of a new bench CA.") var ca: String?
    @Option(help: "The profile to issue with (default: the bench leaf profile, or the CA's default with --ca).") var profile: String?

    func run() async throws {
        let warmUp = 50
        let csrs = try BenchCSRs.make(count: count + warmUp)
        let (existingCA, chosenProfile, count) = (ca, profile, count)
        try await Runtime.with(token: true) { runtime in
            let core = runtime.core!
            var caID = existingCA ?? ""
            if existingCA == nil { caID = try await BenchCA.create(runtime: runtime) }
            let profileID = chosenProfile ?? (existingCA == nil ? BenchCA.leafProfile : nil)
            for csr in csrs.prefix(warmUp) {
                _ = try await core.issue(csr: csr, caID: caID, profileID: profileID, requester: Requester("bench"))
            }
            let stages = IssuanceStages()
            let (machine, process, started) = (MachineCPU.now(), ProcessCPU.seconds(), ContinuousClock.now)
            try await IssuanceStages.$current.withValue(stages) {
                for csr in csrs.dropFirst(warmUp) {
                    _ = try await core.issue(csr: csr, caID: caID, profileID: profileID, requester: Requester("bench"))
                }
            }
            let wall = (ContinuousClock.now - started) / count
            let processMicroseconds = (ProcessCPU.seconds() - process) * 1e6 / Double(count)
            let machineMicroseconds = MachineCPU.microsecondsPerItem(since: machine, items: count)

            func row(_ name: String, _ microseconds: Double) {
                print("  " + name.padding(toLength: 48, withPad: " ", startingAt: 0) + String(format: "%9.1f µs", microseconds))
            }
            print("one issuance at a time, \(count) certificates, CA '\(caID)', profile '\(profileID ?? "the CA's default")'")
            var timed = 0.0
            for (stage, nanoseconds) in stages.perIssuance(count) {
                timed += nanoseconds
                row(stage.rawValue, nanoseconds / 1000)
            }
            let wallMicroseconds = Double(wall.components.attoseconds) / 1e12 + Double(wall.components.seconds) * 1e6
            row("sum of the stages", timed / 1000)
            row("wall time per issuance", wallMicroseconds)
            row("CPU of this process (gate and token)", processMicroseconds)
            if let machineMicroseconds { row("CPU of the machine (with PostgreSQL)", machineMicroseconds) }
            row("bearer token verified (ES256, uncached)", Self.jwtVerification())
            if existingCA == nil { _ = try await core.revokeCA(id: caID, reason: .cessationOfOperation, requester: Requester("bench")) }
        }
    }

    /// Mean microseconds of one JWT verification, as the HTTP layer does it on a cache miss.
    static func jwtVerification(rounds: Int = 2000) -> Double {
        let (issuer, _) = JWTIssuer.generate(keyID: "bench")
        guard let keys = try? JWKSet(json: issuer.jwks) else { return .nan }
        let verifier = JWTVerifier(keys: keys, issuer: "bench", audience: "signet-api")
        let token = issuer.issue(subject: "bench", roles: ["operator"], issuer: "bench", audience: "signet-api", lifetime: 600)
        let started = ContinuousClock.now
        for _ in 0..<rounds { _ = try? verifier.verify(token) }
        let each = (ContinuousClock.now - started) / rounds
        return Double(each.components.attoseconds) / 1e12 + Double(each.components.seconds) * 1e6
    }
}

/// This process's CPU time (user and system), in seconds.
enum ProcessCPU {
    static func seconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }
}
