import Foundation
import SignetQuery

/// Reads one JSON object strictly: every member is read by name and type, and a member
/// nobody asked for is an error naming its path (Codable would ignore a misspelled key and
/// quietly apply a default).
struct FieldReader {
    let path: String
    private let object: [String: JSONValue]
    private var read: Set<String> = []

    init(_ value: JSONValue?, path: String) throws {
        guard case .object(let object)? = value else { throw FieldError(path, "must be a JSON object") }
        self.object = object
        self.path = path
    }

    func field(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    private mutating func value(_ key: String) -> JSONValue? {
        read.insert(key)
        guard let value = object[key], value != .null else { return nil }
        return value
    }

    mutating func string(_ key: String) throws -> String? {
        guard let value = value(key) else { return nil }
        guard case .string(let text) = value else { throw FieldError(field(key), "must be a string") }
        return text
    }

    /// Whether the member is written at all (`null` included): a change tells "leave it" (absent)
    /// from "clear it" (`null`).
    func isPresent(_ key: String) -> Bool { object[key] != nil }

    /// True when nothing was written.
    var isEmpty: Bool { object.isEmpty }

    mutating func requiredString(_ key: String) throws -> String {
        guard let text = try string(key), !text.isEmpty else { throw FieldError(field(key), "is required") }
        return text
    }

    mutating func bool(_ key: String, default fallback: Bool) throws -> Bool {
        guard let value = value(key) else { return fallback }
        guard case .bool(let flag) = value else { throw FieldError(field(key), "must be true or false") }
        return flag
    }

    mutating func int(_ key: String) throws -> Int? {
        guard let value = value(key) else { return nil }
        guard case .number(let number) = value, number == number.rounded(), abs(number) < 1e15 else {
            throw FieldError(field(key), "must be a whole number")
        }
        return Int(number)
    }

    mutating func strings(_ key: String) throws -> [String] {
        guard let value = value(key) else { return [] }
        guard case .array(let list) = value else { throw FieldError(field(key), "must be a list of strings") }
        return try list.enumerated().map { index, item in
            guard case .string(let text) = item, !text.isEmpty else { throw FieldError("\(field(key))[\(index)]", "must be a non-empty string") }
            return text
        }
    }

    /// A JSON object kept as it is (metadata).
    mutating func jsonObject(_ key: String) throws -> JSONValue? {
        guard let value = value(key) else { return nil }
        guard case .object = value else { throw FieldError(field(key), "must be a JSON object") }
        return value
    }

    mutating func object(_ key: String) throws -> FieldReader? {
        guard let value = value(key) else { return nil }
        return try FieldReader(value, path: field(key))
    }

    mutating func requiredObject(_ key: String) throws -> FieldReader {
        guard let reader = try object(key) else { throw FieldError(field(key), "is required") }
        return reader
    }

    /// A member of a closed set of names.
    mutating func choice<T: RawRepresentable & CaseIterable>(_ key: String, _: T.Type) throws -> T? where T.RawValue == String {
        guard let text = try string(key) else { return nil }
        guard let value = T(rawValue: text) else {
            throw FieldError(field(key), "must be one of \(T.allCases.map(\.rawValue).joined(separator: ", ")), got '\(text)'")
        }
        return value
    }

    /// Fails on the first member that was never read.
    func finish() throws {
        if let unknown = object.keys.sorted().first(where: { !read.contains($0) }) {
            throw FieldError(field(unknown), "is not a known setting")
        }
    }
}
