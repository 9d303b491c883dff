import Foundation
import Logging
import PostgresNIO
import SignetCore

/// Links appended audit rows into the hash chain, and walks the chain to verify it.
///
/// Sealing takes a transaction-scoped advisory lock, so several server processes can run a
/// sealer and only one links at a time; writers are never blocked by it.
public struct AuditChain: Sendable {
    let client: PostgresClient
    let key: AuditKey
    let logger: Logger

    static let sealLock: Int64 = 4_242_002

    /// Seals up to `limit` unsealed rows, oldest first. Returns how many it sealed (0 when
    /// another process holds the sealing lock).
    @discardableResult
    public func sealPending(limit: Int = 10_000) async throws -> Int {
        try await client.transaction(logger: logger) { connection in
            let locked = try await connection.query("SELECT pg_try_advisory_xact_lock(\(Self.sealLock))", logger: logger)
            for try await got in locked.decode(Bool.self) where !got { return 0 }
            var sequence: Int64 = 0
            var previous = ""
            for try await (seq, mac) in try await connection.query(
                "SELECT chain_seq, chain_mac FROM audit_log WHERE chain_seq IS NOT NULL ORDER BY chain_seq DESC LIMIT 1", logger: logger
            ).decode((Int64, String).self) {
                (sequence, previous) = (seq, mac)
            }
            var ids: [UUID] = [], sequences: [Int64] = [], macs: [String] = []
            for try await (id, recordMAC) in try await connection.query(
                "SELECT id, record_mac FROM audit_log WHERE chain_seq IS NULL ORDER BY recorded_at, id LIMIT \(limit) FOR UPDATE",
                logger: logger
            ).decode((UUID, String).self) {
                sequence += 1
                previous = key.chainMAC(previous: previous, recordMAC: recordMAC, sequence: sequence)
                ids.append(id)
                sequences.append(sequence)
                macs.append(previous)
            }
            guard !ids.isEmpty else { return 0 }
            try await connection.query(
                """
                UPDATE audit_log a SET chain_seq = u.seq, chain_mac = u.mac
                FROM unnest(\(ids)::uuid[], \(sequences)::bigint[], \(macs)::text[]) AS u(id, seq, mac) WHERE a.id = u.id
                """,
                logger: logger
            )
            return ids.count
        }
    }

    /// What a walk of the chain found.
    public struct Verification: Sendable {
        public var sealed = 0
        public var unsealed = 0
        /// The first problem, in words that point at the record; nil when the chain is intact.
        public var problem: String?
    }

    /// Walks every sealed row in chain order and checks every unsealed row's MAC.
    public func verify() async throws -> Verification {
        var result = Verification()
        var expected: Int64 = 1
        var previous = ""
        var after: Int64 = 0
        while result.problem == nil {
            let rows = try await records("WHERE chain_seq > \(after) ORDER BY chain_seq LIMIT 5000")
            guard !rows.isEmpty else { break }
            for row in rows {
                let seq = row.chainSeq!
                after = seq
                if seq != expected {
                    result.problem = "chain_seq \(expected) is missing (next is \(seq), record \(row.record.id)): a record was deleted"
                    break
                }
                if key.recordMAC(row.record) != row.recordMAC {
                    result.problem = "record \(row.record.id) at chain_seq \(seq) was altered: its fields do not match its MAC"
                    break
                }
                let link = key.chainMAC(previous: previous, recordMAC: row.recordMAC, sequence: seq)
                if link != row.chainMAC {
                    result.problem = "the chain breaks at chain_seq \(seq) (record \(row.record.id)): a record was inserted, removed or reordered"
                    break
                }
                previous = link
                expected += 1
                result.sealed += 1
            }
        }
        if result.problem == nil {
            for row in try await records("WHERE chain_seq IS NULL") {
                result.unsealed += 1
                if key.recordMAC(row.record) != row.recordMAC {
                    result.problem = "unsealed record \(row.record.id) was not written by Signet (inserted or altered)"
                    break
                }
            }
        }
        return result
    }

    struct Row {
        let record: AuditRecord
        let recordMAC: String
        let chainSeq: Int64?
        let chainMAC: String?
    }

    private func records(_ tail: PostgresQuery) async throws -> [Row] {
        let query = PostgresQuery(
            unsafeSQL: """
            SELECT id, (extract(epoch FROM recorded_at) * 1000000)::bigint, category, action, actor, target, outcome, profile_id, profile_version,
                   request_fingerprint, failed_rule, serial_number, detail, record_mac, chain_seq, chain_mac FROM audit_log
            """ + " " + tail.sql,
            binds: tail.binds
        )
        var rows: [Row] = []
        for try await row in try await client.timedQuery(query, logger: logger) {
            let c = try row.makeRandomAccess()
            let category = try c[2].decode(String.self)
            let record = AuditRecord(
                id: try c[0].decode(UUID.self), microseconds: try c[1].decode(Int64.self),
                category: AuditRecord.Category(rawValue: category) ?? .api,
                action: try c[3].decode(String.self), actor: try c[4].decode(String.self), target: try c[5].decode(String.self),
                outcome: try c[6].decode(String.self), profileID: try c[7].decode(String?.self), profileVersion: try c[8].decode(String?.self),
                requestFingerprint: try c[9].decode(String?.self), failedRule: try c[10].decode(String?.self),
                serialNumber: try c[11].decode(String?.self), detail: try c[12].decode(String.self)
            )
            // A category outside the two known ones can only come from outside Signet.
            let recordMAC = AuditRecord.Category(rawValue: category) == nil ? "" : try c[13].decode(String.self)
            rows.append(Row(record: record, recordMAC: recordMAC, chainSeq: try c[14].decode(Int64?.self), chainMAC: try c[15].decode(String?.self)))
        }
        return rows
    }
}
