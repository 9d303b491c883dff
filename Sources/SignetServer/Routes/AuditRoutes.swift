import Foundation
import Hummingbird
import SignetCore
import SignetQuery
import SignetStore

/// `/api/ca/v1/audit`: the audit trail, for auditors and admins.
enum AuditRoutes {
    static func register(_ routes: RouteTable, services: SignetServer.Services) {
        routes.add(.get, "/api/ca/v1/audit", roles: [.auditor]) { request, _ in
            let page = try await services.catalog.audit(try ListRequest(queryItems: request.queryItems, schema: Schemas.audit))
            return try .json(ListPage(list: page.rows, next: page.next))
        }
        routes.add(.get, "/api/ca/v1/audit/status", roles: [.auditor]) { _, _ in
            try .json(AuditStatusBody(try await services.database.auditCheckpoints.status(), settings: services.auditSettings))
        }
    }
}

/// How far sealing and checkpointing lag, and whether that is within the bound.
struct AuditStatusBody: Encodable {
    struct Checkpoint: Encodable {
        let sequence: Int64
        let head: String
        let time: String
        let signer: String
        let ageSeconds: Double?
        enum CodingKeys: String, CodingKey { case sequence, head, time, signer, ageSeconds = "age_seconds" }
    }

    let status: String
    let problems: [String]
    let unsealed: Int
    let oldestUnsealedAgeSeconds: Double?
    let sealed: Int64
    let lastCheckpoint: Checkpoint?
    let notCheckpointed: Int64
    let oldestNotCheckpointedAgeSeconds: Double?
    let auditKeys: Int
    let unsealedBoundSeconds: Double
    let checkpointIntervalSeconds: Double

    enum CodingKeys: String, CodingKey {
        case status, problems, unsealed, sealed
        case oldestUnsealedAgeSeconds = "oldest_unsealed_age_seconds", lastCheckpoint = "last_checkpoint"
        case notCheckpointed = "not_checkpointed", oldestNotCheckpointedAgeSeconds = "oldest_not_checkpointed_age_seconds"
        case auditKeys = "audit_keys", unsealedBoundSeconds = "unsealed_bound_seconds", checkpointIntervalSeconds = "checkpoint_interval_seconds"
    }

    init(_ status: AuditCheckpoints.Status, settings: AuditSettings) {
        problems = AuditHealth.problems(status, settings: settings)
        self.status = problems.isEmpty ? "OK" : "DEGRADED"
        unsealed = status.unsealed
        oldestUnsealedAgeSeconds = status.oldestUnsealedAgeSeconds
        sealed = status.sealed
        lastCheckpoint = status.latest.map {
            Checkpoint(sequence: $0.sequence, head: $0.head, time: RFC3339.string($0.time), signer: $0.signer, ageSeconds: status.latestCheckpointAgeSeconds)
        }
        notCheckpointed = status.notCheckpointed
        oldestNotCheckpointedAgeSeconds = status.oldestNotCheckpointedAgeSeconds
        auditKeys = status.signers
        unsealedBoundSeconds = settings.unsealedBound
        checkpointIntervalSeconds = settings.checkpointInterval
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(status, forKey: .status)
        try c.encode(problems, forKey: .problems)
        try c.encode(unsealed, forKey: .unsealed)
        try c.encode(oldestUnsealedAgeSeconds, forKey: .oldestUnsealedAgeSeconds)
        try c.encode(sealed, forKey: .sealed)
        try c.encode(lastCheckpoint, forKey: .lastCheckpoint)
        try c.encode(notCheckpointed, forKey: .notCheckpointed)
        try c.encode(oldestNotCheckpointedAgeSeconds, forKey: .oldestNotCheckpointedAgeSeconds)
        try c.encode(auditKeys, forKey: .auditKeys)
        try c.encode(unsealedBoundSeconds, forKey: .unsealedBoundSeconds)
        try c.encode(checkpointIntervalSeconds, forKey: .checkpointIntervalSeconds)
    }
}
