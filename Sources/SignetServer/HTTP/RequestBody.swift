import Foundation
import HTTPTypes
import Hummingbird
import SignetQuery

/// Reading request bodies: bounded, content type checked, JSON decoded strictly.
enum RequestBody {
    /// No Signet request needs more than this; larger bodies get 413 before they are read.
    static let maxBytes = 1 << 20

    static func bytes(_ request: Request, context: SignetRequestContext) async throws -> [UInt8] {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > maxBytes { throw APIError.tooLarge(maxBytes) }
        let buffer = try await request.body.collect(upTo: maxBytes)
        return Array(buffer.readableBytesView)
    }

    /// The body as JSON of type `T`; the content type must be JSON and every key must be one `T` knows.
    static func json<T: Decodable>(_ type: T.Type, _ request: Request, context: SignetRequestContext, allowedKeys: Set<String>) async throws -> T {
        try requireJSON(request)
        let data = Data(try await bytes(request, context: context))
        guard let value = try? JSONValue(parsing: data) else { throw APIError.badRequest("the body is not valid JSON", code: "invalid_json") }
        guard case .object(let members) = value else { throw APIError.badRequest("the body must be a JSON object", code: "invalid_json") }
        if let unknown = members.keys.sorted().first(where: { !allowedKeys.contains($0) }) {
            throw APIError.badRequest("unknown field '\(unknown)'; allowed: \(allowedKeys.sorted().joined(separator: ", "))", code: "invalid_json")
        }
        return try JSONDecoder().decode(T.self, from: data)
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
