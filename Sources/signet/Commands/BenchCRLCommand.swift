import ArgumentParser
import Foundation
import PostgresNIO
import SignetCore
import SignetStore

/// `signet bench crl`: how long a full CRL takes, and how much memory, as revocations grow.
struct BenchCRL: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crl",
        abstract: "Full CRL generation time and memory with many revoked certificates.",
        discussion: """
            Creates a bench root CA, adds revoked certificate rows for it in SQL (no signatures: \
            only the CRL is measured), publishes a full CRL at each size, and revokes the bench \
            CA at the end so that no server keeps publishing for it.
            """
    )
    @Option(parsing: .upToNextOption, help: "Revoked certificates at each measurement (ascending).") var revoked: [Int] = [10_000, 100_000]

    func run() async throws {
        let sizes = revoked.sorted()
        try await Runtime.with(token: true) { runtime in
            let core = runtime.core!
            let caID = try await BenchCA.create(runtime: runtime)
            var present = 0
            print("CRL bench on CA \(caID); resident memory before: \(Memory.residentMB()) MB")
            for size in sizes where size > present {
                try await Self.insertRevoked(size - present, caID: caID, client: runtime.database.client)
                present = size
                let started = ContinuousClock.now
                let published = try await core.publishCRLs(caID: caID, forceFull: true, requester: Requester("bench"))
                let elapsed = ContinuousClock.now - started
                let full = published.first { $0.kind == .full }
                print(String(format: "%d revoked: full CRL %d entries, %.1f MB, in %.2f s; resident %d MB, peak %d MB",
                             size, full?.entries ?? 0, Double(full?.size ?? 0) / 1e6,
                             Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18,
                             Memory.residentMB(), Memory.peakMB()))
            }
            _ = try await core.revokeCA(id: caID, reason: .cessationOfOperation, requester: Requester("bench"))
        }
    }

    static func insertRevoked(_ count: Int, caID: String, client: PostgresClient) async throws {
        var remaining = count
        while remaining > 0 {
            let batch = min(remaining, 20_000)
            _ = try await client.fetch("""
                INSERT INTO certificates (serial_number, issuer_ca_id, subject, key_type, key_size, not_before, not_after, status,
                                          revoked_at, revocation_reason, revocation_seq, profile_id, profile_version, requester, decision_id, der)
                SELECT md5(random()::text || g::text), \(caID), 'CN=bench-revoked', 'ECDSA', 256, now(), now() + interval '30 days', 'REVOKED',
                       now(), 'KeyCompromise', 1, 'bench-leaf', 'bench', 'bench', gen_random_uuid(), '\\x00'::bytea
                FROM generate_series(1, \(batch)) g
                """)
            remaining -= batch
        }
        // Statistics as autovacuum would have them after revocations that came gradually.
        _ = try await client.fetch("ANALYZE certificates")
    }
}

/// This process's memory, from /proc (Linux).
enum Memory {
    static func residentMB() -> Int { field("VmRSS:") }
    static func peakMB() -> Int { field("VmHWM:") }

    private static func field(_ name: String) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix(name) }),
              let kilobytes = Int(line.split(separator: " ").dropFirst().first ?? "") else { return -1 }
        return kilobytes / 1024
    }
}
