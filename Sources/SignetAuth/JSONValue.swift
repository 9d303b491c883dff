import Foundation

/// A parsed JSON value.
///
/// Token claims and JWKS entries are open-ended objects whose shape we check by hand, so a
/// small typed tree is clearer than `JSONSerialization`'s `Any`, where on some platforms
/// `true` and `1` are both `NSNumber` and a boolean could pass for a timestamp.
enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// Parses `data` and insists on a top-level object, as JWS headers, claim sets and JWKS are.
    static func parseObject(_ data: Data) -> [String: JSONValue]? {
        guard case .object(let members)? = try? JSONDecoder().decode(JSONValue.self, from: data) else {
            return nil
        }
        return members
    }

    /// Compact JSON with sorted keys, so that issued tokens and JWKS are reproducible.
    func serialized() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            return try encoder.encode(self)
        } catch {
            // Only non-finite numbers can fail, and this module never builds those.
            preconditionFailure("could not encode JSON: \(error)")
        }
    }

    var stringValue: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    var numberValue: Double? {
        if case .number(let number) = self { return number }
        return nil
    }
}

extension JSONValue: Codable {
    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let flag = try? container.decode(Bool.self) {
            self = .bool(flag)
        } else if let number = try? container.decode(Double.self) {
            self = .number(number)
        } else if let text = try? container.decode(String.self) {
            self = .string(text)
        } else if let items = try? container.decode([JSONValue].self) {
            self = .array(items)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null:
            try container.encodeNil()
        case .bool(let flag):
            try container.encode(flag)
        case .number(let number):
            // Whole seconds are written as integers: some consumers reject "1767225600.0".
            if number.rounded() == number, abs(number) < 9_007_199_254_740_992 {
                try container.encode(Int64(number))
            } else {
                try container.encode(number)
            }
        case .string(let text):
            try container.encode(text)
        case .array(let items):
            try container.encode(items)
        case .object(let members):
            try container.encode(members)
        }
    }
}
