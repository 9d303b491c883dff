/// Reading operations from their JSON form, with errors that name the operation
/// index and the offending member so a client can fix its request without guessing.
extension JSONPatchOperation {
    init(decoding element: JSONValue, index: Int) throws(JSONPatchError) {
        guard case .object(let members) = element else {
            throw .malformed("operation \(index): expected an object, got \(element.kindName)")
        }
        guard let opMember = members["op"] else {
            throw .malformed("operation \(index): missing \"op\"")
        }
        guard case .string(let op) = opMember else {
            throw .malformed("operation \(index): \"op\" must be a string, got \(opMember.kindName)")
        }
        let context = "operation \(index) (\(op))"

        func pointer(_ key: String) throws(JSONPatchError) -> JSONPointer {
            guard let member = members[key] else {
                throw .malformed("\(context): missing \"\(key)\"")
            }
            guard case .string(let text) = member else {
                throw .malformed("\(context): \"\(key)\" must be a string, got \(member.kindName)")
            }
            do {
                return try JSONPointer(text)
            } catch {
                throw .malformed("\(context): \"\(key)\" is not a valid pointer: \(error)")
            }
        }

        func value() throws(JSONPatchError) -> JSONValue {
            // A present `null` is a real value; only an absent member is an error.
            guard let member = members["value"] else {
                throw .malformed("\(context): missing \"value\"")
            }
            return member
        }

        switch op {
        case "add": self = .add(path: try pointer("path"), value: try value())
        case "remove": self = .remove(try pointer("path"))
        case "replace": self = .replace(try pointer("path"), try value())
        case "move": self = .move(from: try pointer("from"), path: try pointer("path"))
        case "copy": self = .copy(from: try pointer("from"), path: try pointer("path"))
        case "test": self = .test(try pointer("path"), try value())
        default:
            throw .malformed(
                "operation \(index): unknown op \"\(op)\" (expected add, remove, replace, move, copy or test)")
        }
    }
}
