import Crypto
import Foundation

/// The public half of the audit chain: a SHA-256 hash chain over every sealed record's
/// fields, which anyone can recompute without a secret. Signed checkpoints commit to its
/// head, so a verifier holding only the checkpoint certificate can tell whether any record
/// up to a checkpoint was altered, inserted, removed or reordered.
public enum AuditChainHash {
    /// The link before the first record.
    public static let start = ""

    /// Every field of the record, each length-prefixed (`-` for a missing one) so that no two
    /// records share an encoding. The MAC and the content hash are both taken over these bytes.
    public static func canonicalBytes(_ r: AuditRecord) -> [UInt8] {
        let fields: [String?] = [
            r.id.uuidString.lowercased(), String(r.microseconds), r.category.rawValue, r.action, r.actor, r.target, r.outcome,
            r.profileID, r.profileVersion, r.requestFingerprint, r.failedRule, r.serialNumber, r.detail,
        ]
        var input: [UInt8] = []
        input.reserveCapacity(256 + r.detail.utf8.count)
        for field in fields {
            if let field {
                input.append(contentsOf: "\(field.utf8.count):".utf8)
                input.append(contentsOf: field.utf8)
            } else {
                input.append(UInt8(ascii: "-"))
            }
        }
        return input
    }

    /// SHA-256 of the record's canonical bytes, lowercase hex.
    public static func contentHash(_ record: AuditRecord) -> String {
        SHA256.hash(data: canonicalBytes(record)).lowercaseHex
    }

    /// The link at `sequence`: commits to the previous link, the record's content and its position.
    public static func link(previous: String, contentHash: String, sequence: Int64) -> String {
        SHA256.hash(data: Array("signet-audit-chain-v1|\(sequence)|\(previous)|\(contentHash)".utf8)).lowercaseHex
    }
}
