import Foundation

/// Any JSON document, held as a plain Swift value.
///
/// Certificate metadata and patch bodies are arbitrary JSON, so the API needs one type
/// that can hold any document, compare two documents the way JSON means it and be
/// edited without disturbing the original. An enum of value types gives all three:
/// `==` on `Double` compares numbers by value (`1` equals `1.0`), `==` on dictionaries
/// ignores member order, and every edit happens on a copy.
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])
}

extension JSONValue {
    /// Parses a complete JSON text (any value is allowed at the top level, not only
    /// objects, because patch values and metadata fields can be scalars).
    public init(parsing data: Data) throws {
        self = try JSONDecoder().decode(JSONValue.self, from: data)
    }

    /// The document as compact JSON with object keys sorted, so equal documents always
    /// produce identical bytes (useful for hashing, ETags and stable test expectations).
    public func encoded() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            return try encoder.encode(self)
        } catch {
            // `encode(to:)` maps the only unencodable values (non-finite numbers) to null,
            // so reaching this line means Foundation itself broke its contract.
            preconditionFailure("encoding a JSONValue cannot fail: \(error)")
        }
    }

    /// The JSON type name, used in error messages ("expected an object, got array").
    var kindName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .number: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }

    /// A short JSON rendering for error messages; long documents are cut so an error
    /// about a huge metadata blob stays readable in logs.
    var abbreviated: String {
        let text = String(decoding: encoded(), as: UTF8.self)
        return text.count > 80 ? String(text.prefix(77)) + "..." : text
    }
}
