import Foundation
import HTTPTypes
import Hummingbird

/// Reading request bodies: bounded, content type checked, JSON decoded strictly.
enum RequestBody {
    /// No Signet request needs more than this; larger bodies get 413 before they are read.
    static let maxBytes = 1 << 20

    static func bytes(_ request: Request, context: SignetRequestContext, limit: Int = maxBytes) async throws -> [UInt8] {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit { throw APIError.tooLarge(limit) }
        let buffer: ByteBuffer
        do { buffer = try await request.body.collect(upTo: limit) } catch let error as HTTPError where error.status == .contentTooLarge { throw APIError.tooLarge(limit) }
        return Array(buffer.readableBytesView)
    }

    /// A JSON body's bytes (the caller checked the content type), with no string that holds
    /// U+0000: PostgreSQL stores that character in neither text nor jsonb, so it would fail
    /// at the database as a server error. Found on the raw bytes, before any parse: a `\u0000`
    /// escape whose backslash is not itself escaped, or a raw NUL byte.
    static func jsonBytes(_ request: Request, context: SignetRequestContext) async throws -> [UInt8] {
        let body = try await bytes(request, context: context)
        try refuseNUL(body)
        return body
    }

    static func refuseNUL(_ body: [UInt8], what: String = "a JSON string") throws {
        let escape = Array(#"\u0000"#.utf8)
        var index = 0
        while index < body.count {
            let byte = body[index]
            if byte == 0 { throw APIError.badRequest("the body holds a NUL byte; Signet stores no U+0000", code: "invalid_json") }
            if byte == UInt8(ascii: "\\") {
                if body[index...].starts(with: escape) {
                    throw APIError.badRequest("\(what) holds U+0000 (\\u0000), which Signet does not store", code: "invalid_json")
                }
                index += 2  // an escape: its next character is not a backslash of its own
                continue
            }
            index += 1
        }
    }

    /// The body as JSON of type `T`; the content type must be JSON and every key must be one
    /// `T` knows. One parse: the key check runs inside the decoder.
    static func json<T: Decodable>(_ type: T.Type, _ request: Request, context: SignetRequestContext, allowedKeys: Set<String>) async throws -> T {
        try requireJSON(request)
        return try decode(type, from: try await jsonBytes(request, context: context), allowedKeys: allowedKeys)
    }

    /// `json(_:_:context:allowedKeys:)` once the bytes are read (and free of U+0000).
    static func decode<T: Decodable>(_ type: T.Type, from body: [UInt8], allowedKeys: Set<String>) throws -> T {
        let data = Data(body)
        let decoder = JSONDecoder()
        decoder.userInfo[StrictBody<T>.allowedKeysKey] = allowedKeys
        do {
            return try decoder.decode(StrictBody<T>.self, from: data).value
        } catch let error as APIError {
            throw error
        } catch DecodingError.dataCorrupted(let context) where context.codingPath.isEmpty {
            throw APIError.badRequest("the body is not valid JSON", code: "invalid_json")
        } catch DecodingError.typeMismatch(_, let context) where context.codingPath.isEmpty {
            throw APIError.badRequest("the body must be a JSON object", code: "invalid_json")
        }
    }

    static func requireJSON(_ request: Request) throws {
        let type = request.headers[.contentType]?.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        guard type == "application/json" else {
            throw APIError.unsupportedMediaType("expected Content-Type application/json, got \(type ?? "none")")
        }
    }

    static func describe(_ error: DecodingError) -> String {
        func path(_ keys: [any CodingKey]) -> String { keys.map(\.stringValue).joined(separator: ".") }
        switch error {
        case .keyNotFound(let key, let context): return "field '\(path(context.codingPath + [key]))' is required"
        case .typeMismatch(let type, let context): return "field '\(path(context.codingPath))' must be \(type)"
        case .valueNotFound(_, let context): return "field '\(path(context.codingPath))' must not be null"
        case .dataCorrupted(let context): return "field '\(path(context.codingPath))': \(context.debugDescription)"
        @unknown default: return "the body does not match the expected shape"
        }
    }
}

/// Decodes `T` after checking that the object has no keys outside the allowed set.
struct StrictBody<T: Decodable>: Decodable {
    static var allowedKeysKey: CodingUserInfoKey { CodingUserInfoKey(rawValue: "signet.allowedKeys")! }
    let value: T

    init(from decoder: any Decoder) throws {
        let allowed = decoder.userInfo[Self.allowedKeysKey] as? Set<String> ?? []
        let keys = try decoder.container(keyedBy: AnyKey.self).allKeys.map(\.stringValue)
        if let unknown = keys.sorted().first(where: { !allowed.contains($0) }) {
            throw APIError.badRequest("unknown field '\(unknown)'; allowed: \(allowed.sorted().joined(separator: ", "))", code: "invalid_json")
        }
        value = try T(from: decoder)
    }

    struct AnyKey: CodingKey {
        let stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}
