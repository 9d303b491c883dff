/// One RFC 6902 operation.
///
/// Pointers are already parsed, so an operation value is always well-formed; only
/// applying it to a particular document can still fail.
public enum JSONPatchOperation: Sendable, Hashable {
    case add(path: JSONPointer, value: JSONValue)
    case remove(JSONPointer)
    case replace(JSONPointer, JSONValue)
    case move(from: JSONPointer, path: JSONPointer)
    case copy(from: JSONPointer, path: JSONPointer)
    case test(JSONPointer, JSONValue)

    /// The RFC's name for the operation, as it appears in the `op` member.
    public var name: String {
        switch self {
        case .add: "add"
        case .remove: "remove"
        case .replace: "replace"
        case .move: "move"
        case .copy: "copy"
        case .test: "test"
        }
    }

    /// The target location (the `path` member), reported in errors.
    public var path: JSONPointer {
        switch self {
        case .add(let path, _), .remove(let path), .replace(let path, _), .test(let path, _):
            path
        case .move(_, let path), .copy(_, let path):
            path
        }
    }

    /// Applies this operation in place. On failure `document` may be half-edited;
    /// `JSONPatch.apply` only ever passes a scratch copy, which is what makes the
    /// patch as a whole atomic.
    func apply(to document: inout JSONValue) throws(PointerFailure) {
        switch self {
        case .add(let path, let value):
            try document.add(value, at: path)
        case .remove(let path):
            _ = try document.remove(at: path)
        case .replace(let path, let value):
            try document.replace(at: path, with: value)
        case .move(let from, let path):
            let value = try Self.source(from, in: document)
            guard from != path else { return }  // moving onto itself is a no-op per RFC 6902
            if from.isProperPrefix(of: path) {
                throw PointerFailure("cannot move \"\(from)\" into its own child \"\(path)\"")
            }
            _ = try document.remove(at: from)
            try document.add(value, at: path)
        case .copy(let from, let path):
            try document.add(try Self.source(from, in: document), at: path)
        case .test(let path, let expected):
            let actual = try document.value(at: path)
            guard actual == expected else {
                throw PointerFailure("test failed: value is \(actual.abbreviated), expected \(expected.abbreviated)")
            }
        }
    }

    /// Reads the `from` location, labelling a failure so the client knows it was `from`
    /// and not `path` that did not resolve.
    private static func source(_ from: JSONPointer, in document: JSONValue) throws(PointerFailure) -> JSONValue {
        do {
            return try document.value(at: from)
        } catch {
            throw PointerFailure("from \"\(from)\": \(error.reason)")
        }
    }
}
