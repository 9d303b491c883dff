/// Why a JSON Patch could not be read or applied.
///
/// Each case carries enough to point the API client at the exact culprit: the
/// operation's index in the patch, its `op`, its `path`, and what was wrong there.
public enum JSONPatchError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The patch document itself is not a valid patch (bad JSON, unknown op, a
    /// missing or mistyped member). The text names the operation index when known.
    case malformed(String)
    /// A JSON Pointer's text breaks RFC 6901 syntax.
    case invalidPointer(pointer: String, reason: String)
    /// A well-formed operation could not be applied to the document.
    case operationFailed(index: Int, op: String, path: String, reason: String)

    public var description: String {
        switch self {
        case .malformed(let detail):
            "malformed JSON Patch: \(detail)"
        case .invalidPointer(let pointer, let reason):
            "invalid JSON Pointer \"\(pointer)\": \(reason)"
        case .operationFailed(let index, let op, let path, let reason):
            "patch operation \(index) (\(op) \"\(path)\") failed: \(reason)"
        }
    }
}
