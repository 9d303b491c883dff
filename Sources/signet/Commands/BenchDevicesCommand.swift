import ArgumentParser
import Foundation
import PostgresNIO
import SignetQuery
import SignetStore

/// `signet bench devices`: a fleet of registered devices and the latency of the registry's
/// filtered page and stats at that size.
struct BenchDevices: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "devices",
        abstract: "Seed a fleet into a bench DMS, then time a status+metadata filtered page and the stats (p50/p99).",
        discussion: """
        Devices bench-0000001… are added to DMS 'bench-fleet' (30d/7d windows) until --devices exist; their
        identity windows spread from 30 days ago to a year ahead, with 2% revoked, 1% without identity and
        1% decommissioned. The rows are written with SQL directly (no certificates are issued for them).
        """
    )
    static let dms = "bench-fleet"

    @Option(help: "Devices the bench DMS should own.") var devices: Int = 1_000_000
    @Option(help: "Timed calls of each kind.") var calls: Int = 200

    func run() async throws {
        let target = devices, calls = self.calls
        try await Runtime.with(token: false) { runtime in
            let registry = Registry(database: runtime.database)
            try await Self.seed(runtime.database.client, registry: registry, count: target)
            let page = try ListRequest(queryItems: [
                ("filter", "dms_owner[eq]\(Self.dms)"), ("filter", "status[eq]EXPIRING_SOON"), ("filter", "metadata.model[eq]m7"), ("page_size", "100"),
            ], schema: Schemas.devices)
            let first = try await registry.devices(page)
            print("page: \(first.rows.count) devices (status EXPIRING_SOON, metadata.model m7), next page: \(first.next.isEmpty ? "none" : "yes")")
            try await Self.time("filtered page (100)", calls: calls) { _ = try await registry.devices(page) }
            if !first.next.isEmpty {
                let second = try ListRequest(queryItems: [("bookmark", first.next)], schema: Schemas.devices)
                try await Self.time("next page by bookmark", calls: calls) { _ = try await registry.devices(second) }
            }
            let unfiltered = try ListRequest(queryItems: [("page_size", "100")], schema: Schemas.devices)
            try await Self.time("unfiltered page (100)", calls: calls) { _ = try await registry.devices(unfiltered) }
            let stats = try await registry.deviceStats([Filter(field: "dms_owner", op: .eq, value: Self.dms)])
            print("stats: \(stats.total) devices: " + DeviceStatus.names.map { "\($0) \(stats.byStatus[$0] ?? 0)" }.joined(separator: ", "))
            try await Self.time("stats (whole fleet)", calls: max(5, calls / 20)) { _ = try await registry.deviceStats([Filter(field: "dms_owner", op: .eq, value: Self.dms)]) }
            let narrow = [Filter(field: "dms_owner", op: .eq, value: Self.dms), Filter(field: "metadata", jsonPath: ["model"], op: .eq, value: "m7")]
            try await Self.time("stats (metadata.model m7)", calls: max(5, calls / 10)) { _ = try await registry.deviceStats(narrow) }
        }
    }

    static func time(_ label: String, calls: Int, _ body: () async throws -> Void) async throws {
        var latencies: [Duration] = []
        for _ in 0..<calls {
            let begin = ContinuousClock.now
            try await body()
            latencies.append(ContinuousClock.now - begin)
        }
        let ms = Percentiles(latencies).milliseconds
        print(String(format: "%@: p50 %.2f ms  p99 %.2f ms  (%d calls)", label, ms(0.5), ms(0.99), calls))
    }

    static func seed(_ client: PostgresClient, registry: Registry, count: Int) async throws {
        if try await registry.dms(id: dms) == nil {
            let settings = try JSONValue(parsing: Data(#"{"issuance_profile_id": "iot-device", "note": "bench rows only; not an enrollment policy"}"#.utf8))
            try await registry.createDMS(DMSRecord(id: dms, name: "Bench fleet", settings: settings, preventiveDelta: 30 * 86_400, criticalDelta: 7 * 86_400))
        }
        var existing = 0
        for try await value in try await client.fetch("SELECT count(*) FROM devices WHERE dms_owner = \(dms)", logger: .init(label: "bench")).decode(Int.self) { existing = value }
        guard existing < count else { return }
        print("seeding \(count - existing) devices …")
        let started = ContinuousClock.now
        let chunk = 100_000
        var from = existing + 1
        while from <= count {
            let to = min(count, from + chunk - 1)
            try await client.fetch(
                """
                INSERT INTO devices (id, dms_owner, device_group, tags, metadata, enabled, created_at, decommissioned_at,
                                     identity_serial, identity_revoked, identity_not_after, preventive_at, critical_at)
                SELECT 'bench-' || lpad(i::text, 7, '0'), \(dms), 'plant-' || (i % 10), ARRAY['line-' || (i % 7), 'fleet'],
                       jsonb_build_object('model', 'm' || (i % 20), 'firmware', '1.' || (i % 5)), i % 50 <> 0,
                       now() - make_interval(secs => i), CASE WHEN i % 100 = 1 THEN now() END,
                       CASE WHEN w.not_after IS NOT NULL THEN 'b' || lpad(to_hex(i), 8, '0') END, i % 50 = 3,
                       w.not_after, w.not_after - interval '30 days', w.not_after - interval '7 days'
                FROM generate_series(\(from), \(to)) AS i,
                     LATERAL (SELECT CASE WHEN i % 100 <> 2 THEN now() + make_interval(secs => (i::bigint * 7919) % (395 * 86400) - 30 * 86400) END AS not_after) AS w
                ON CONFLICT (id) DO NOTHING
                """,
                logger: .init(label: "bench")
            )
            print("  \(to) devices")
            from = to + 1
        }
        try await client.fetch("ANALYZE devices", logger: .init(label: "bench"))
        print("seeded in \(ContinuousClock.now - started)")
    }
}
