import Foundation
import Logging
import PostgresNIO
import SignetCore

/// Links appended audit rows into the chain: each sealed row gets its position (`chain_seq`,
/// from 1 without gaps), the MAC link (`chain_mac`, needs the audit key) and the public hash
/// link (`chain_hash`, `AuditChainHash.link`) that signed checkpoints commit to.
///
/// Sealing takes a transaction-scoped advisory lock, so several server processes can run a
/// sealer and only one links at a time; writers are never blocked by it.
public struct AuditChain: Sendable {
    let client: PostgresClient
    let key: AuditKey
    let logger: Logger

    static let sealLock: Int64 = 4_242_002

    /// The most rows one sealing pass links. A pass is one transaction under the database
    /// deadline (5 s): a backlog of 10,000 rows read back, MAC-checked and updated in one
    /// pass ran past it in a test run, and a backlog that no pass can finish is never sealed.
    public static let batchLimit = 2_000

    /// What one sealing pass did.
    public enum SealOutcome: Sendable, Equatable {
        /// `count` rows linked; `refused` unsealed rows whose MAC does not verify were left out
        /// (they were not written by Signet, and stay unsealed for everyone to see).
        case sealed(count: Int, refused: [UUID])
        /// Another session holds the sealing lock.
        case lockBusy
    }

    /// Seals up to `limit` unsealed rows, oldest first. Returns how many it sealed (0 when
    /// another process holds the sealing lock).
    @discardableResult
    public func sealPending(limit: Int = AuditChain.batchLimit) async throws -> Int {
        if case .sealed(let count, _) = try await seal(limit: limit) { return count }
        return 0
    }

    /// One sealing pass. Rows sealed before chain hashes existed get theirs first.
    public func seal(limit: Int = AuditChain.batchLimit) async throws -> SealOutcome {
        let key = self.key, logger = self.logger
        return try await client.transaction(logger: logger) { connection in
            let locked = try await connection.fetch("SELECT pg_try_advisory_xact_lock(\(Self.sealLock))", logger: logger)
            for try await got in locked.decode(Bool.self) where !got { return .lockBusy }
            var sequence: Int64 = 0
            var previous = "", previousHash: String? = AuditChainHash.start
            for try await (seq, mac, hash) in try await connection.fetch(
                "SELECT chain_seq, chain_mac, chain_hash FROM audit_log WHERE chain_seq IS NOT NULL ORDER BY chain_seq DESC LIMIT 1", logger: logger
            ).decode((Int64, String, String?).self) {
                (sequence, previous, previousHash) = (seq, mac, hash)
            }
            guard var hash = previousHash else {
                return .sealed(count: try await Self.backfillHashes(connection, limit: limit, logger: logger), refused: [])
            }
            var ids: [UUID] = [], sequences: [Int64] = [], macs: [String] = [], hashes: [String] = [], refused: [UUID] = []
            for row in try await AuditRows.read(connection, "WHERE chain_seq IS NULL ORDER BY recorded_at, id LIMIT \(limit) FOR UPDATE", logger: logger) {
                guard key.recordMAC(row.record) == row.recordMAC else {
                    refused.append(row.record.id)
                    continue
                }
                sequence += 1
                previous = key.chainMAC(previous: previous, recordMAC: row.recordMAC, sequence: sequence)
                hash = AuditChainHash.link(previous: hash, contentHash: AuditChainHash.contentHash(row.record), sequence: sequence)
                ids.append(row.record.id)
                sequences.append(sequence)
                macs.append(previous)
                hashes.append(hash)
            }
            guard !ids.isEmpty else { return .sealed(count: 0, refused: refused) }
            try await connection.fetch(
                """
                UPDATE audit_log a SET chain_seq = u.seq, chain_mac = u.mac, chain_hash = u.hash
                FROM unnest(\(ids)::uuid[], \(sequences)::bigint[], \(macs)::text[], \(hashes)::text[]) AS u(id, seq, mac, hash) WHERE a.id = u.id
                """,
                logger: logger
            )
            return .sealed(count: ids.count, refused: refused)
        }
    }

    /// Gives rows sealed before the hash chain existed their `chain_hash`, in chain order.
    private static func backfillHashes(_ connection: PostgresConnection, limit: Int, logger: Logger) async throws -> Int {
        var first: Int64?
        for try await seq in try await connection.fetch(
            "SELECT min(chain_seq) FROM audit_log WHERE chain_seq IS NOT NULL AND chain_hash IS NULL", logger: logger
        ).decode(Int64?.self) { first = seq }
        guard let first else { return 0 }
        var hash = AuditChainHash.start
        for try await previous in try await connection.fetch(
            "SELECT chain_hash FROM audit_log WHERE chain_seq = \(first - 1)", logger: logger
        ).decode(String.self) { hash = previous }
        var ids: [UUID] = [], hashes: [String] = []
        for row in try await AuditRows.read(connection, "WHERE chain_seq >= \(first) ORDER BY chain_seq LIMIT \(limit)", logger: logger) {
            guard let seq = row.chainSeq, row.chainHash == nil else { break }
            hash = AuditChainHash.link(previous: hash, contentHash: AuditChainHash.contentHash(row.record), sequence: seq)
            ids.append(row.record.id)
            hashes.append(hash)
        }
        guard !ids.isEmpty else { return 0 }
        try await connection.fetch(
            "UPDATE audit_log a SET chain_hash = u.hash FROM unnest(\(ids)::uuid[], \(hashes)::text[]) AS u(id, hash) WHERE a.id = u.id",
            logger: logger
        )
        return ids.count
    }

    /// The session holding the sealing lock, if one does (for the log when sealing is stuck).
    public func lockHolder() async throws -> Int32? {
        var holder: Int32?
        for try await pid in try await client.timedQuery(
            "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND ((classid::bigint << 32) | objid::bigint) = \(Self.sealLock) LIMIT 1",
            logger: logger
        ).decode(Int32.self) { holder = pid }
        return holder
    }
}

/// Audit rows as stored, with their seal.
struct AuditRows {
    struct Row {
        let record: AuditRecord
        /// Empty for a row whose category Signet never writes.
        let recordMAC: String
        let chainSeq: Int64?
        let chainMAC: String?
        let chainHash: String?
    }

    static let select = """
        SELECT id, (extract(epoch FROM recorded_at) * 1000000)::bigint, category, action, actor, target, outcome, profile_id, profile_version,
               request_fingerprint, failed_rule, serial_number, detail, record_mac, chain_seq, chain_mac, chain_hash FROM audit_log
        """

    static func read(_ connection: PostgresConnection, _ tail: String, logger: Logger) async throws -> [Row] {
        try await decode(try await connection.fetch(PostgresQuery(unsafeSQL: select + " " + tail), logger: logger))
    }

    static func read(_ client: PostgresClient, _ tail: String, logger: Logger) async throws -> [Row] {
        try await decode(try await client.timedQuery(PostgresQuery(unsafeSQL: select + " " + tail), logger: logger))
    }

    private static func decode(_ sequence: FetchedRows) async throws -> [Row] {
        var rows: [Row] = []
        for try await row in sequence {
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
            rows.append(Row(
                record: record, recordMAC: recordMAC, chainSeq: try c[14].decode(Int64?.self),
                chainMAC: try c[15].decode(String?.self), chainHash: try c[16].decode(String?.self)
            ))
        }
        return rows
    }
}
