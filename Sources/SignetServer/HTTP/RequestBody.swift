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

    /// The body as JSON of type `T`; the content type must be JSON and every key must be one
    /// `T` knows. One parse: the key check runs inside the decoder.
    static func json<T: Decodable>(_ type: T.Type, _ request: Request, context: SignetRequestContext, allowedKeys: Set<String>) async throws -> T {
        try requireJSON(request)
        let data = Data(try await bytes(request, context: context))
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
