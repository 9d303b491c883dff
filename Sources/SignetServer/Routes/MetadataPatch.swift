import Foundation
import Hummingbird
import SignetQuery

/// Metadata edits: an RFC 6902 JSON Patch (`application/json-patch+json`), or the same
/// operations wrapped as `{"patches": [...]}` in `application/json`.
enum MetadataPatch {
    static func read(_ request: Request, context: SignetRequestContext) async throws -> JSONPatch {
        let type = request.headers[.contentType]?.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        guard type == "application/json" || type == "application/json-patch+json" else {
            throw APIError.unsupportedMediaType("expected Content-Type application/json-patch+json or application/json, got \(type ?? "none")")
        }
        return try JSONPatch(operations: Data(try await RequestBody.bytes(request, context: context)))
    }
}
