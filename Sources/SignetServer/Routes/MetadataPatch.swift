import Foundation
import Hummingbird
import SignetQuery

/// Metadata edits, the same on every resource that has metadata (DMSs, devices, CAs,
/// certificates): `PATCH …/metadata` takes an RFC 6902 JSON Patch
/// (`application/json-patch+json`), or the same operations wrapped as `{"patches": [...]}` in
/// `application/json`; `PUT …/metadata` takes `{"metadata": {…}}` and replaces the whole
/// object. A replacement is applied as the patch that replaces the document root, so both go
/// through one implementation and its 64 KiB bound.
enum MetadataPatch {
    /// How an edit was asked for: named in the device's SHADOW-UPDATED event.
    enum Kind: String, Sendable {
        case patched, replaced
    }

    /// Applies an edit to the resource named by the URL parameter; nil when there is none.
    typealias Apply = @Sendable (_ id: String, _ patch: JSONPatch, _ kind: Kind, _ context: SignetRequestContext) async throws -> JSONValue?

    /// Registers `PUT` and `PATCH` of `path` (which names the resource by `{parameter}`).
    static func register(_ routes: RouteTable, _ path: String, parameter: String = "id", roles: Set<Role>, missing: @escaping @Sendable (String) -> String, apply: @escaping Apply) {
        for (method, kind) in [(HTTPRequest.Method.patch, Kind.patched), (.put, .replaced)] {
            routes.add(method, path, roles: roles) { request, context in
                let id = try context.parameters.require(parameter)
                let patch = kind == .patched ? try await read(request, context: context) : try await replacement(request, context: context)
                guard let metadata = try await apply(id, patch, kind, context) else { throw APIError.notFound(missing(id)) }
                return try .json(["metadata": metadata])
            }
        }
    }

    static func read(_ request: Request, context: SignetRequestContext) async throws -> JSONPatch {
        let type = request.headers[.contentType]?.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        guard type == "application/json" || type == "application/json-patch+json" else {
            throw APIError.unsupportedMediaType("expected Content-Type application/json-patch+json or application/json, got \(type ?? "none")")
        }
        return try JSONPatch(operations: Data(try await RequestBody.jsonBytes(request, context: context)))
    }

    /// `{"metadata": {…}}`, as the patch that replaces the whole document.
    static func replacement(_ request: Request, context: SignetRequestContext) async throws -> JSONPatch {
        guard case .object(let members) = try await RegistryBody.json(request, context: context), let metadata = members["metadata"] else {
            throw APIError.badRequest(#"the body must be {"metadata": {…}}, the whole new metadata object (PATCH takes JSON Patch operations)"#, code: "invalid_field")
        }
        if let extra = members.keys.sorted().first(where: { $0 != "metadata" }) {
            throw APIError.badRequest("\(extra): is not known next to metadata", code: "invalid_field")
        }
        guard case .object = metadata else { throw APIError.badRequest("metadata: must be a JSON object", code: "invalid_field") }
        return JSONPatch([.replace(JSONPointer(tokens: []), metadata)])
    }
}
