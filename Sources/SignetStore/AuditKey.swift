import Crypto
import Foundation
import SignetCore

/// The secret that authenticates audit rows: a row whose MAC does not verify was not written
/// by Signet. Kept in a file (`SIGNET_AUDIT_KEY_FILE`, 32 random bytes as hex), never in the database.
public struct AuditKey: Sendable {
    let key: SymmetricKey

    public init(hex: String) throws {
        let text = hex.trimmingCharacters(in: .whitespacesAndNewlines)
        var bytes: [UInt8] = []
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(index, offsetBy: 2, limitedBy: text.endIndex) ?? text.endIndex
            guard let byte = UInt8(text[index..<next], radix: 16) else { throw StoreError.invalidAuditKey("it is not hex") }
            bytes.append(byte)
            index = next
        }
        guard bytes.count >= 32 else { throw StoreError.invalidAuditKey("it has \(bytes.count) bytes; at least 32 are needed") }
        key = SymmetricKey(data: bytes)
    }

    /// A random key for a process that only reads (`signet audit verify` without the key
    /// file): a row it wrote would fail verification, and it checks no MAC.
    public static func ephemeral() -> AuditKey { AuditKey(key: SymmetricKey(size: .bits256)) }

    private init(key: SymmetricKey) { self.key = key }

    public init(file: String) throws {
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
            throw StoreError.invalidAuditKey("\(file) cannot be read")
        }
        try self.init(hex: text)
    }

    /// MAC over every field of the record (`AuditChainHash.canonicalBytes`).
    func recordMAC(_ r: AuditRecord) -> String {
        HMAC<SHA256>.authenticationCode(for: AuditChainHash.canonicalBytes(r), using: key).lowercaseHex
    }

    /// The chain link: commits to the previous link, this record's MAC and its position.
    func chainMAC(previous: String, recordMAC: String, sequence: Int64) -> String {
        HMAC<SHA256>.authenticationCode(for: Data("\(sequence)|\(previous)|\(recordMAC)".utf8), using: key).lowercaseHex
    }
}
