import Foundation

/// base64url without padding (RFC 7515 §2), the encoding of every JWS part and JWK number.
///
/// Foundation only speaks classic base64, so this translates the alphabet and padding.
/// Decoding is strict (only the url-safe alphabet, no "=" padding, no whitespace) because a
/// lenient decoder would let two different strings stand for the same signed bytes.
public enum Base64URL {
    public static func encode(_ data: Data) -> String {
        var text = data.base64EncodedString()
        text = text.replacingOccurrences(of: "+", with: "-")
        text = text.replacingOccurrences(of: "/", with: "_")
        while text.hasSuffix("=") { text.removeLast() }
        return text
    }

    /// Returns nil when `text` is not valid unpadded base64url.
    public static func decode(_ text: Substring) -> Data? {
        let allowed = text.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"):
                return true
            default:
                return false
            }
        }
        // A length of 4n+1 cannot come from any byte string.
        guard allowed, text.utf8.count % 4 != 1 else { return nil }
        var classic = String(text)
            .replacingOccurrences(of: "-", with: "+")
            .replacingOccurrences(of: "_", with: "/")
        classic += String(repeating: "=", count: (4 - classic.utf8.count % 4) % 4)
        return Data(base64Encoded: classic)
    }

    static func decode(_ text: String) -> Data? {
        decode(text[...])
    }
}
