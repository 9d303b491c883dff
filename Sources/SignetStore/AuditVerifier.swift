import Crypto
import Foundation
import Logging
import PostgresNIO
import SignetCore
import X509

/// Walks the audit chain against its signed checkpoints.
///
/// With only the audit certificates (no secret) it proves every record up to the latest
/// checkpoint unaltered, complete and in order, and finds a cut tail (fewer records than a
/// checkpoint covers, or a checkpoint of the sink file missing from the database). Records
/// after the latest checkpoint are counted as not yet checkpointed. With the audit key it
/// also checks every row's MAC, sealed or not, and the MAC chain.
public struct AuditVerifier: Sendable {
    let client: PostgresClient
    let logger: Logger
    /// The audit MAC key, when the verifier holds it.
    public var key: AuditKey?
    /// The audit certificates checkpoints may be signed by, by fingerprint.
    public var trusted: [String: Certificate]
    /// Checkpoints from the append-only sink, with where they came from.
    public var sink: (name: String, checkpoints: [AuditCheckpoint])?

    public init(database: Database, key: AuditKey?, trusted: [Certificate], sink: (name: String, checkpoints: [AuditCheckpoint])? = nil) throws {
        client = database.client
        logger = database.logger
        self.key = key
        var map: [String: Certificate] = [:]
        for certificate in trusted { map[try certificate.der().sha256Hex] = certificate }
        self.trusted = map
        self.sink = sink
    }

    /// What a walk of the chain found.
    public struct Verification: Sendable {
        public var sealed: Int64 = 0
        public var unsealed = 0
        public var latest: AuditCheckpoint?
        public var checkpoints = 0
        /// Whether record MACs were checked (the audit key was at hand).
        public var checkedMACs = false
        /// Records not covered by the latest checkpoint: sealed after it, or not sealed yet.
        public var notCheckpointed: Int64 { sealed - (latest?.sequence ?? 0) + Int64(unsealed) }
        /// The first problem, in words that point at the record; nil when the chain is intact.
        public var problem: String?
    }

    public func verify() async throws -> Verification {
        var result = Verification()
        result.checkedMACs = key != nil
        do {
            let checkpoints = try await checkedCheckpoints()
            result.checkpoints = checkpoints.count
            result.latest = checkpoints.values.max { $0.sequence < $1.sequence }
            try await checkSequencesPositive()
            result.sealed = try await walk(checkpoints)
            if let latest = result.latest, latest.sequence > result.sealed {
                throw Problem("the chain ends at chain_seq \(result.sealed), but the checkpoint made \(RFC3339.string(latest.time)) covers \(latest.sequence) records: the last \(latest.sequence - result.sealed) were deleted (the tail was cut)")
            }
            result.unsealed = try await checkUnsealed()
            try await checkDecisionsPresent()
        } catch let problem as Problem {
            result.problem = problem.text
        }
        return result
    }

    private struct Problem: Error {
        let text: String
        init(_ text: String) { self.text = text }
    }

    /// The checkpoints of the database and the sink, each signature verified, by sequence.
    private func checkedCheckpoints() async throws -> [Int64: AuditCheckpoint] {
        var merged: [Int64: AuditCheckpoint] = [:]
        for checkpoint in try await AuditCheckpoints(client: client, logger: logger).all() { merged[checkpoint.sequence] = checkpoint }
        if let sink {
            for checkpoint in sink.checkpoints {
                guard let stored = merged[checkpoint.sequence] else {
                    throw Problem("the checkpoint at sequence \(checkpoint.sequence) (made \(RFC3339.string(checkpoint.time))) in \(sink.name) is missing from the database: checkpoints were deleted")
                }
                guard stored == checkpoint else {
                    throw Problem("the checkpoint at sequence \(checkpoint.sequence) in \(sink.name) differs from the database's: a checkpoint was replaced")
                }
            }
        }
        for checkpoint in merged.values.sorted(by: { $0.sequence < $1.sequence }) {
            guard let certificate = trusted[checkpoint.signer] else {
                throw Problem("the checkpoint at sequence \(checkpoint.sequence) is signed by certificate \(checkpoint.signer), which is not a trusted audit certificate")
            }
            guard checkpoint.isValid(signedBy: certificate) else {
                throw Problem("the checkpoint at sequence \(checkpoint.sequence) (made \(RFC3339.string(checkpoint.time))) has a signature that does not verify with audit certificate \(checkpoint.signer): it was forged or altered")
            }
        }
        return merged
    }

    /// The sealer numbers from 1; a row numbered otherwise was placed outside the walk by hand.
    private func checkSequencesPositive() async throws {
        for row in try await AuditRows.read(client, "WHERE chain_seq <= 0 ORDER BY chain_seq LIMIT 1", logger: logger) {
            throw Problem("record \(row.record.id) has chain_seq \(row.chainSeq ?? 0), which the sealer never assigns: it was forged")
        }
    }

    /// Walks every sealed row in chain order; returns the last chain_seq.
    private func walk(_ checkpoints: [Int64: AuditCheckpoint]) async throws -> Int64 {
        var expected: Int64 = 1
        var mac = "", hash = AuditChainHash.start
        var anchored: Int64 = 0
        while true {
            let rows = try await AuditRows.read(client, "WHERE chain_seq >= \(expected) ORDER BY chain_seq LIMIT 5000", logger: logger)
            guard !rows.isEmpty else { break }
            for row in rows {
                let seq = row.chainSeq ?? 0
                let id = row.record.id
                guard seq == expected else {
                    throw Problem("chain_seq \(expected) is missing (next is \(seq), record \(id)): a record was deleted")
                }
                if let key {
                    guard key.recordMAC(row.record) == row.recordMAC else {
                        throw Problem("record \(id) at chain_seq \(seq) was altered: its fields do not match its MAC")
                    }
                    mac = key.chainMAC(previous: mac, recordMAC: row.recordMAC, sequence: seq)
                    guard mac == row.chainMAC else {
                        throw Problem("the chain breaks at chain_seq \(seq) (record \(id)): a record was inserted, removed or reordered")
                    }
                }
                hash = AuditChainHash.link(previous: hash, contentHash: AuditChainHash.contentHash(row.record), sequence: seq)
                if let stored = row.chainHash, stored != hash {
                    throw Problem("record \(id) at chain_seq \(seq) was altered, inserted or reordered: it does not match the hash chain")
                }
                if let checkpoint = checkpoints[seq] {
                    guard checkpoint.head == hash else {
                        throw Problem("the checkpoint at sequence \(seq) (made \(RFC3339.string(checkpoint.time))) does not match the records: a record from chain_seq \(anchored + 1) to \(seq) (record \(id) is the last) was altered, inserted, removed or reordered")
                    }
                    anchored = seq
                }
                expected += 1
            }
        }
        return expected - 1
    }

    /// Counts the rows not sealed yet, checking each one's MAC when the key is at hand.
    private func checkUnsealed() async throws -> Int {
        var count = 0
        var after = UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))
        while true {
            let rows = try await AuditRows.read(client, "WHERE chain_seq IS NULL AND id > '\(after.uuidString)' ORDER BY id LIMIT 5000", logger: logger)
            guard let last = rows.last else { return count }
            for row in rows {
                count += 1
                if let key, key.recordMAC(row.record) != row.recordMAC {
                    throw Problem("unsealed record \(row.record.id) was not written by Signet (inserted or altered)")
                }
            }
            after = last.record.id
        }
    }

    /// Every stored certificate names the decision that approved it; a missing one was deleted
    /// from the audit trail, sealed or not.
    private func checkDecisionsPresent() async throws {
        for try await (serial, decision) in try await client.timedQuery(
            "SELECT c.serial_number, c.decision_id FROM certificates c WHERE NOT EXISTS (SELECT 1 FROM audit_log a WHERE a.id = c.decision_id) LIMIT 1",
            logger: logger
        ).decode((String, UUID).self) {
            throw Problem("certificate \(serial) was approved by decision \(decision), which is not in the audit trail: an audit record was deleted")
        }
    }

    /// The audit certificates the database holds, each checked to chain to a root CA it
    /// holds (signature by signature). Throws a message naming the one that does not.
    public static func storedSigners(_ database: Database) async throws -> [Certificate] {
        var certificates: [Certificate] = []
        for signer in try await database.auditCheckpoints.signers() {
            let certificate = try Certificate(derEncoded: signer.certificateDER)
            var current = certificate
            var caID: String? = signer.caID
            var depth = 0
            while let id = caID {
                depth += 1
                guard depth < 16, let ca = try await database.stores.cas.ca(id: id), let issuer = try? Certificate(derEncoded: ca.certificateDER),
                      issuer.subject == current.issuer, issuer.publicKey.isValidSignature(current.signature, for: current) else {
                    throw AuditVerificationError("the audit certificate \(signer.fingerprint) does not chain to a root CA this database holds (at CA '\(id)')")
                }
                if ca.parentID == nil {
                    guard issuer.publicKey.isValidSignature(issuer.signature, for: issuer) else {
                        throw AuditVerificationError("the audit certificate \(signer.fingerprint) chains to CA '\(id)', which is not a self-signed root")
                    }
                }
                current = issuer
                caID = ca.parentID
            }
            certificates.append(certificate)
        }
        return certificates
    }
}

public struct AuditVerificationError: Error, CustomStringConvertible, Sendable {
    public let description: String
    init(_ description: String) { self.description = description }
}

extension Array where Element == UInt8 {
    var sha256Hex: String { SHA256.hash(data: self).lowercaseHex }
}

extension Database {
    /// Verifies the whole chain as `signet audit verify` does, with this process's audit key
    /// (record MACs checked) and the audit signers stored in the database.
    public func verifyAuditChain() async throws -> AuditVerifier.Verification {
        try await AuditVerifier(database: self, key: auditKey, trusted: try await AuditVerifier.storedSigners(self)).verify()
    }
}
