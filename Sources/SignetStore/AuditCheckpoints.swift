import Foundation
import Logging
import PostgresNIO
import SignetCore

/// The audit key's certificate and the signed checkpoints of the chain head, in PostgreSQL.
public struct AuditCheckpoints: Sendable {
    let client: PostgresClient
    let logger: Logger

    public func save(_ signer: AuditSignerRecord) async throws {
        try await client.committedQuery(
            "INSERT INTO audit_signers (fingerprint, key_uri, ca_id, certificate) VALUES (\(signer.fingerprint), \(signer.keyURI), \(signer.caID), \(Data(signer.certificateDER)))",
            logger: logger
        )
    }

    /// Every audit key, newest first.
    public func signers() async throws -> [AuditSignerRecord] {
        var signers: [AuditSignerRecord] = []
        for try await (uri, certificate, caID) in try await client.timedQuery(
            "SELECT key_uri, certificate, ca_id FROM audit_signers ORDER BY created_at DESC, fingerprint", logger: logger
        ).decode((String, ByteBuffer, String).self) {
            signers.append(AuditSignerRecord(keyURI: uri, certificateDER: certificate.bytes, caID: caID))
        }
        return signers
    }

    /// Every checkpoint, by sequence.
    public func all() async throws -> [AuditCheckpoint] {
        try await read("ORDER BY sequence")
    }

    public func latest() async throws -> AuditCheckpoint? {
        try await read("ORDER BY sequence DESC LIMIT 1").first
    }

    private func read(_ tail: String) async throws -> [AuditCheckpoint] {
        var checkpoints: [AuditCheckpoint] = []
        for try await (sequence, head, seconds, signer, signature) in try await client.timedQuery(
            PostgresQuery(unsafeSQL: "SELECT sequence, head, extract(epoch FROM made_at)::bigint, signer, signature FROM audit_checkpoints " + tail),
            logger: logger
        ).decode((Int64, String, Int64, String, ByteBuffer).self) {
            checkpoints.append(AuditCheckpoint(
                sequence: sequence, head: head, time: Date(timeIntervalSince1970: Double(seconds)), signer: signer, signature: signature.bytes
            ))
        }
        return checkpoints
    }

    /// The most rows one checkpoint walks; a checkpoint that advanced this far may have more to cover.
    public static let walkLimit: Int64 = 20_000

    /// What one checkpoint attempt did.
    public enum Outcome: Sendable {
        case made(AuditCheckpoint)
        /// Nothing was sealed since the latest checkpoint.
        case unchanged
        /// The sealer holds the lock (it will be free within a pass).
        case lockBusy
        /// The rows since the latest checkpoint do not chain from it: nothing was signed.
        case broken(String)
        /// No audit key on this process's token (`signet audit init-key` makes one).
        case noSigner
    }

    /// Checkpoints with the newest audit key the core's token holds.
    public func checkpoint(core: SigningCore) async throws -> Outcome {
        guard let signer = try await signers().first(where: core.holdsKey) else { return .noSigner }
        return try await checkpoint { sequence, head in try await core.signAuditCheckpoint(sequence: sequence, head: head, signer: signer) }
    }

    /// Checkpoints the sealed head if it moved: under the sealer's lock (so the head cannot
    /// move meanwhile and only one process checkpoints), recomputes the hash chain from the
    /// latest checkpoint over every row sealed since, refuses to sign if any stored link
    /// differs, then has `sign` sign (sequence, head) and stores the checkpoint. At most
    /// `limit` rows are walked per checkpoint, so a long unanchored chain is caught up over
    /// several checkpoints within the database deadline.
    public func checkpoint(limit: Int64 = Self.walkLimit, sign: @escaping @Sendable (Int64, String) async throws -> AuditCheckpoint) async throws -> Outcome {
        let logger = self.logger
        let latest = try await latest()
        return try await client.transaction(logger: logger) { connection in
            let locked = try await connection.fetch("SELECT pg_try_advisory_xact_lock(\(AuditChain.sealLock))", logger: logger)
            for try await got in locked.decode(Bool.self) where !got { return .lockBusy }
            var expected = (latest?.sequence ?? 0) + 1
            var hash = latest?.head ?? AuditChainHash.start
            let end = expected + limit
            while expected < end {
                let rows = try await AuditRows.read(connection, "WHERE chain_seq >= \(expected) ORDER BY chain_seq LIMIT 5000", logger: logger)
                guard !rows.isEmpty else { break }
                for row in rows where expected < end {
                    guard row.chainSeq == expected else {
                        return .broken("chain_seq \(expected) is missing (next is \(row.chainSeq ?? 0), record \(row.record.id))")
                    }
                    guard let stored = row.chainHash else { return .unchanged }  // not backfilled yet
                    hash = AuditChainHash.link(previous: hash, contentHash: AuditChainHash.contentHash(row.record), sequence: expected)
                    guard stored == hash else {
                        return .broken("record \(row.record.id) at chain_seq \(expected) does not chain from the latest checkpoint")
                    }
                    expected += 1
                }
            }
            let head = expected - 1
            guard head > (latest?.sequence ?? 0) else { return .unchanged }
            let checkpoint = try await sign(head, hash)
            guard checkpoint.sequence == head, checkpoint.head == hash else { return .broken("the signed checkpoint is not the head") }
            try await connection.fetch(
                """
                INSERT INTO audit_checkpoints (sequence, head, made_at, signer, signature)
                VALUES (\(checkpoint.sequence), \(checkpoint.head), to_timestamp(\(Int64(checkpoint.time.timeIntervalSince1970))), \(checkpoint.signer), \(Data(checkpoint.signature)))
                """,
                logger: logger
            )
            return .made(checkpoint)
        }
    }

    /// How far sealing and checkpointing lag, as the database sees it now.
    public struct Status: Sendable {
        public var unsealed = 0
        public var oldestUnsealedAgeSeconds: Double?
        public var sealed: Int64 = 0
        public var latest: AuditCheckpoint?
        public var latestCheckpointAgeSeconds: Double?
        /// Sealed rows after the latest checkpoint.
        public var notCheckpointed: Int64 = 0
        public var oldestNotCheckpointedAgeSeconds: Double?
        public var signers = 0
    }

    public func status() async throws -> Status {
        var status = Status()
        for try await (count, age) in try await client.timedQuery(
            "SELECT count(*), extract(epoch FROM now() - min(recorded_at))::float8 FROM audit_log WHERE chain_seq IS NULL", logger: logger
        ).decode((Int, Double?).self) {
            (status.unsealed, status.oldestUnsealedAgeSeconds) = (count, age)
        }
        for try await seq in try await client.timedQuery("SELECT max(chain_seq) FROM audit_log", logger: logger).decode(Int64?.self) {
            status.sealed = seq ?? 0
        }
        status.latest = try await latest()
        if let latest = status.latest {
            for try await age in try await client.timedQuery(
                "SELECT extract(epoch FROM now() - made_at)::float8 FROM audit_checkpoints WHERE sequence = \(latest.sequence)", logger: logger
            ).decode(Double.self) { status.latestCheckpointAgeSeconds = age }
        }
        let covered = status.latest?.sequence ?? 0
        status.notCheckpointed = max(0, status.sealed - covered)
        if status.notCheckpointed > 0 {
            for try await age in try await client.timedQuery(
                "SELECT extract(epoch FROM now() - recorded_at)::float8 FROM audit_log WHERE chain_seq = \(covered + 1)", logger: logger
            ).decode(Double.self) { status.oldestNotCheckpointedAgeSeconds = age }
        }
        for try await count in try await client.timedQuery("SELECT count(*) FROM audit_signers", logger: logger).decode(Int.self) {
            status.signers = count
        }
        return status
    }
}

extension Database {
    public var auditCheckpoints: AuditCheckpoints { AuditCheckpoints(client: client, logger: logger) }
}
