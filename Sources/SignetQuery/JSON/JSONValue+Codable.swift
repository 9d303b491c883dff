import Foundation

/// Plain-JSON coding: `.number(3)` is written as `3`, not as a tagged enum, so a
/// `JSONValue` can sit inside any other `Codable` type and round-trip real documents.
extension JSONValue: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        // Order matters: Bool must be tried before Double so `true` is not read as 1,
        // and null first because every other attempt would fail on it anyway.
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else if let value = try? container.decode([String: JSONValue].self) {
            self = .object(value)
        } else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "not a JSON null, boolean, number, string, array or object")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null:
            try container.encodeNil()
        case .bool(let value):
            try container.encode(value)
        case .number(let value):
            if !value.isFinite {
                // JSON has no NaN or infinity; null is the conventional stand-in.
                try container.encodeNil()
            } else if value == value.rounded(), abs(value) < 9_007_199_254_740_992 {
                // Whole numbers within Double's exact-integer range are written without
                // a fraction so serial numbers and counters look like integers.
                try container.encode(Int64(value))
            } else {
                try container.encode(value)
            }
        case .string(let value):
            try container.encode(value)
        case .array(let value):
            try container.encode(value)
        case .object(let value):
            try container.encode(value)
        }
    }
}
