import Foundation

extension Sequence where Element == UInt8 {
    /// Lowercase hex, the form serials and fingerprints are stored and compared in.
    public var lowercaseHex: String {
        let digits = Array("0123456789abcdef")
        var text = ""
        for byte in self {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return text
    }
}

/// Ids of profiles and CAs: 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit.
/// They appear in URLs, PKCS#11 labels and file names, so nothing else is allowed.
enum Identifier {
    static let rule = "1-64 letters, digits, '.', '_' or '-', starting with a letter or digit"

    static func isValid(_ id: String) -> Bool {
        id.range(of: #"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"#, options: .regularExpression) != nil
    }
}
