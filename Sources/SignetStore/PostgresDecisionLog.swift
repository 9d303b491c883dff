import Foundation
import Logging
import PostgresNIO
import SignetCore

struct PostgresDecisionLog: DecisionLog {
    let client: PostgresClient
    let logger: Logger

    func record(_ d: DecisionRecord) async throws {
        let rules = String(decoding: try JSONEncoder.canonical.encode(d.rules), as: UTF8.self)
        try await client.query(
            """
            INSERT INTO decisions (id, decided_at, action, ca_id, profile_id, profile_version, requester, request_fingerprint,
                                   outcome, failed_rule, serial_number, rules)
            VALUES (\(d.id), \(d.time), \(d.action.rawValue), \(d.caID), \(d.profileID), \(d.profileVersion), \(d.requester.name),
                    \(d.requestFingerprint), \(d.outcome.rawValue), \(d.failedRule), \(d.serialNumber), \(rules)::jsonb)
            """,
            logger: logger
        )
    }
}
