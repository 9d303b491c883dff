/// A PKCS#11 URI (RFC 7512) naming a key by token label and `CKA_ID`, e.g.
/// `pkcs11:token=signet;id=%01%02;type=private`.
public struct PKCS11URI: Sendable, Hashable, CustomStringConvertible {
    public var token: String
    public var id: [UInt8]
    public var object: String?

    public init(token: String, id: [UInt8], object: String? = nil) {
        self.token = token
        self.id = id
        self.object = object
    }

    public init(parsing text: String) throws {
        guard text.hasPrefix("pkcs11:") else { throw TokenError.invalidURI("'\(text)' does not start with pkcs11:") }
        let path = text.dropFirst("pkcs11:".count).split(separator: "?", maxSplits: 1).first ?? ""
        var token: String?
        var id: [UInt8]?
        var object: String?
        for attribute in path.split(separator: ";") {
            let pair = attribute.split(separator: "=", maxSplits: 1)
            guard pair.count == 2 else { throw TokenError.invalidURI("attribute '\(attribute)' has no value") }
            let value = try Self.percentDecode(pair[1])
            switch pair[0] {
            case "token": token = String(decoding: value, as: UTF8.self)
            case "id": id = value
            case "object": object = String(decoding: value, as: UTF8.self)
            default: continue // other RFC 7512 attributes (type, manufacturer, …) do not select Signet keys
            }
        }
        guard let token, !token.isEmpty else { throw TokenError.invalidURI("no token attribute in '\(text)'") }
        guard let id, !id.isEmpty else { throw TokenError.invalidURI("no id attribute in '\(text)'") }
        self.init(token: token, id: id, object: object)
    }

    public var description: String {
        var text = "pkcs11:token=\(Self.percentEncode(Array(token.utf8), keepUnreserved: true))"
        if let object { text += ";object=\(Self.percentEncode(Array(object.utf8), keepUnreserved: true))" }
        text += ";id=\(Self.percentEncode(id, keepUnreserved: false))"
        return text
    }

    private static func percentEncode(_ bytes: [UInt8], keepUnreserved: Bool) -> String {
        let digits = Array("0123456789ABCDEF")
        var out = ""
        for byte in bytes {
            let scalar = Unicode.Scalar(byte)
            let unreserved = (byte < 0x80) && (Character(scalar).isLetter || Character(scalar).isNumber || "-._~".unicodeScalars.contains(scalar))
            if keepUnreserved && unreserved {
                out.unicodeScalars.append(scalar)
            } else {
                out += "%" + String(digits[Int(byte >> 4)]) + String(digits[Int(byte & 0x0F)])
            }
        }
        return out
    }

    private static func percentDecode(_ text: Substring) throws -> [UInt8] {
        var out: [UInt8] = []
        var bytes = Array(text.utf8)[...]
        while let byte = bytes.popFirst() {
            guard byte == UInt8(ascii: "%") else { out.append(byte); continue }
            guard bytes.count >= 2, let value = UInt8(String(decoding: bytes.prefix(2), as: UTF8.self), radix: 16) else {
                throw TokenError.invalidURI("bad percent escape in '\(text)'")
            }
            out.append(value)
            bytes = bytes.dropFirst(2)
        }
        return out
    }
}
