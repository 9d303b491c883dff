import Crypto
import Foundation

/// The AES keys each DMS shares with its devices for encrypting server-generated keys
/// (RFC 7030 §4.4.1.1: the CSR's DecryptKeyIdentifier names one). They are secrets, so they
/// live in a server-side file (`est_key_encryption_keys_file`), never in the DMS document the
/// API shows:
///
/// ```json
/// {"<dms id>": [{"key_id": "<hex, the DecryptKeyIdentifier>", "key": "<base64 of 16, 24 or 32 bytes>"}]}
/// ```
public struct ESTKeyEncryptionKeys: Sendable {
    private let keys: [String: [[UInt8]: SymmetricKey]]

    public static let none = ESTKeyEncryptionKeys(keys: [:])

    private init(keys: [String: [[UInt8]: SymmetricKey]]) {
        self.keys = keys
    }

    /// Reads the file; an error names the entry that is wrong, never a key.
    public init(file: String) throws {
        guard let data = FileManager.default.contents(atPath: file) else { throw KeyFileError("cannot read \(file)") }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw KeyFileError("\(file) is not a JSON object of DMS ids")
        }
        var keys: [String: [[UInt8]: SymmetricKey]] = [:]
        for (dms, value) in object {
            guard let entries = value as? [[String: Any]] else { throw KeyFileError("\(file): '\(dms)' must be a list of {\"key_id\", \"key\"}") }
            for (index, entry) in entries.enumerated() {
                let place = "\(file): '\(dms)'[\(index)]"
                guard Set(entry.keys) == ["key_id", "key"] else { throw KeyFileError("\(place) must have exactly key_id and key") }
                guard let hex = entry["key_id"] as? String, let identifier = Self.bytes(hex: hex), !identifier.isEmpty else {
                    throw KeyFileError("\(place).key_id must be hex")
                }
                guard let text = entry["key"] as? String, let key = Data(base64Encoded: text), [16, 24, 32].contains(key.count) else {
                    throw KeyFileError("\(place).key must be base64 of a 128, 192 or 256-bit AES key")
                }
                guard keys[dms]?[identifier] == nil else { throw KeyFileError("\(place).key_id repeats an earlier one") }
                keys[dms, default: [:]][identifier] = SymmetricKey(data: key)
            }
        }
        self.keys = keys
    }

    /// The DMS's key with this identifier.
    func key(dms: String, identifier: [UInt8]) -> SymmetricKey? { keys[dms]?[identifier] }

    func holdsKeys(dms: String) -> Bool { !(keys[dms]?.isEmpty ?? true) }

    static func bytes(hex: String) -> [UInt8]? {
        let digits = Array(hex.lowercased().utf8)
        guard digits.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        for index in stride(from: 0, to: digits.count, by: 2) {
            guard let byte = UInt8(String(decoding: digits[index...index + 1], as: UTF8.self), radix: 16) else { return nil }
            bytes.append(byte)
        }
        return bytes
    }
}

public struct KeyFileError: Error, CustomStringConvertible, Sendable {
    public let description: String
    init(_ description: String) { self.description = description }
}
