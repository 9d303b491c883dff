/// Why a pointer could not be resolved or an edit made. Internal: `JSONPatch` wraps it
/// into `JSONPatchError.operationFailed` together with the operation's index and path.
struct PointerFailure: Error {
    let reason: String
    init(_ reason: String) { self.reason = reason }
}

/// Reading and editing a document at a JSON Pointer, with the RFC 6902 rules for
/// where each kind of edit may land.
extension JSONValue {
    /// The value the pointer names; fails if any step does not exist.
    func value(at pointer: JSONPointer) throws(PointerFailure) -> JSONValue {
        var current = self
        for (depth, token) in pointer.tokens.enumerated() {
            current = try current.child(token, under: pointer.tokens[..<depth])
        }
        return current
    }

    /// RFC 6902 `add`: replaces the root or an existing object member, creates a new
    /// member, or inserts into an array at an index (`0...count`) or `-` (append).
    /// The parent must already exist; `add` never creates intermediate containers.
    mutating func add(_ value: JSONValue, at pointer: JSONPointer) throws(PointerFailure) {
        guard let last = pointer.tokens.last else {
            self = value
            return
        }
        let parent = pointer.tokens.dropLast()
        try edit(at: parent) { (container: inout JSONValue) throws(PointerFailure) in
            switch container {
            case .object(var members):
                members[last] = value
                container = .object(members)
            case .array(var items):
                let index = try Self.arrayIndex(last, count: items.count, allowEnd: true, under: parent)
                items.insert(value, at: index)
                container = .array(items)
            default:
                throw PointerFailure("\(Self.describe(parent)) is \(container.kindName), not an object or array")
            }
        }
    }

    /// RFC 6902 `remove`: the target must exist; returns what was removed so `move`
    /// can reuse it.
    mutating func remove(at pointer: JSONPointer) throws(PointerFailure) -> JSONValue {
        guard let last = pointer.tokens.last else {
            throw PointerFailure("cannot remove the whole document")
        }
        let parent = pointer.tokens.dropLast()
        var removed = JSONValue.null
        try edit(at: parent) { (container: inout JSONValue) throws(PointerFailure) in
            switch container {
            case .object(var members):
                guard let old = members.removeValue(forKey: last) else {
                    throw PointerFailure("\(Self.describe(parent)) has no member \"\(last)\"")
                }
                removed = old
                container = .object(members)
            case .array(var items):
                let index = try Self.arrayIndex(last, count: items.count, allowEnd: false, under: parent)
                removed = items.remove(at: index)
                container = .array(items)
            default:
                throw PointerFailure("\(Self.describe(parent)) is \(container.kindName), not an object or array")
            }
        }
        return removed
    }

    /// RFC 6902 `replace`: like remove-then-add, so the target must already exist.
    mutating func replace(at pointer: JSONPointer, with value: JSONValue) throws(PointerFailure) {
        try edit(at: pointer.tokens[...]) { (target: inout JSONValue) throws(PointerFailure) in
            target = value
        }
    }

    /// Walks to the existing value at `tokens`, lets `body` change it in place, and
    /// rebuilds each enclosing container on the way back out.
    private mutating func edit(
        at tokens: ArraySlice<String>, depth: Int = 0,
        _ body: (inout JSONValue) throws(PointerFailure) -> Void
    ) throws(PointerFailure) {
        let position = tokens.startIndex + depth
        guard position < tokens.endIndex else {
            try body(&self)
            return
        }
        let token = tokens[position]
        let walked = tokens[..<position]
        switch self {
        case .object(var members):
            guard var child = members[token] else {
                throw PointerFailure("\(Self.describe(walked)) has no member \"\(token)\"")
            }
            try child.edit(at: tokens, depth: depth + 1, body)
            members[token] = child
            self = .object(members)
        case .array(var items):
            let index = try Self.arrayIndex(token, count: items.count, allowEnd: false, under: walked)
            try items[index].edit(at: tokens, depth: depth + 1, body)
            self = .array(items)
        default:
            throw PointerFailure("\(Self.describe(walked)) is \(kindName), not an object or array")
        }
    }

    private func child(_ token: String, under walked: ArraySlice<String>) throws(PointerFailure) -> JSONValue {
        switch self {
        case .object(let members):
            guard let value = members[token] else {
                throw PointerFailure("\(Self.describe(walked)) has no member \"\(token)\"")
            }
            return value
        case .array(let items):
            return items[try Self.arrayIndex(token, count: items.count, allowEnd: false, under: walked)]
        default:
            throw PointerFailure("\(Self.describe(walked)) is \(kindName), not an object or array")
        }
    }

    /// Interprets an array reference token. RFC 6901 only allows `0` or digits without a
    /// leading zero; `-` means "one past the end", which only `add` may target.
    private static func arrayIndex(
        _ token: String, count: Int, allowEnd: Bool, under walked: ArraySlice<String>
    ) throws(PointerFailure) -> Int {
        let location = "array \(describe(walked))"
        if token == "-" {
            guard allowEnd else {
                throw PointerFailure("\"-\" names the nonexistent element after the end of \(location)")
            }
            return count
        }
        let digitsOnly = !token.isEmpty && token.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
        guard digitsOnly, token == "0" || !token.hasPrefix("0"), let index = Int(token) else {
            throw PointerFailure("\"\(token)\" is not a valid index for \(location)")
        }
        let limit = allowEnd ? count : count - 1
        guard index <= limit else {
            throw PointerFailure("index \(index) is out of bounds for \(location) of \(count) element(s)")
        }
        return index
    }

    /// Names a location for error messages; the empty pointer reads as "the document".
    private static func describe(_ tokens: ArraySlice<String>) -> String {
        tokens.isEmpty ? "\"\" (the document root)" : "\"\(JSONPointer(tokens: Array(tokens)))\""
    }
}
