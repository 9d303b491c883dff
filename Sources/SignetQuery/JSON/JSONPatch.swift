import Foundation

/// An RFC 6902 JSON Patch: an ordered list of edits applied all-or-nothing.
///
/// Metadata updates must never leave a certificate record half-edited, so `apply`
/// works on a copy and hands back the new document only when every operation succeeded.
public struct JSONPatch: Sendable {
    public let operations: [JSONPatchOperation]

    /// Reads a patch body: a JSON array of operation objects, or the same array wrapped
    /// as `{"patches": [...]}` (the shape some clients send).
    public init(operations data: Data) throws(JSONPatchError) {
        let document: JSONValue
        do {
            document = try JSONValue(parsing: data)
        } catch {
            throw .malformed("body is not valid JSON")
        }
        let list: [JSONValue]
        switch document {
        case .array(let elements):
            list = elements
        case .object(let members):
            guard case .array(let elements)? = members["patches"] else {
                throw .malformed("expected a JSON array of operations or an object with a \"patches\" array")
            }
            let extra = members.keys.filter { $0 != "patches" }.sorted()
            guard extra.isEmpty else {
                throw .malformed("unexpected member(s) next to \"patches\": \(extra.joined(separator: ", "))")
            }
            list = elements
        default:
            throw .malformed("expected a JSON array of operations, got \(document.kindName)")
        }
        var parsed: [JSONPatchOperation] = []
        for (index, element) in list.enumerated() {
            parsed.append(try JSONPatchOperation(decoding: element, index: index))
        }
        operations = parsed
    }

    public init(_ operations: [JSONPatchOperation]) {
        self.operations = operations
    }

    /// Atomic: applies every operation to a copy; on any failure the input is untouched
    /// and the error names the operation index, op and path.
    public func apply(to document: JSONValue) throws(JSONPatchError) -> JSONValue {
        var working = document
        for (index, operation) in operations.enumerated() {
            do {
                try operation.apply(to: &working)
            } catch {
                throw .operationFailed(
                    index: index, op: operation.name, path: operation.path.description, reason: error.reason)
            }
        }
        return working
    }
}
