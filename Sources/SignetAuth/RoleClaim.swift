import SignetQuery
/// Reading and writing the roles claim at a configurable path of nested objects.
///
/// Providers disagree on where roles live (Keycloak: `realm_access.roles`, others a top-level
/// `roles` or `groups`), so the location is a path rather than a fixed name. Issuer and verifier
/// share this code so a token issued for a path is read back from the same place.
enum RoleClaim {
    /// The roles at `path`. A missing value means no roles; a value of the wrong shape is an
    /// error rather than "no roles", so a misconfigured path is noticed instead of silently
    /// denying everyone.
    static func read(from claims: [String: JSONValue], path: [String]) throws(AuthError) -> Set<String> {
        guard !path.isEmpty else { return [] }
        let dotted = path.joined(separator: ".")
        var current = JSONValue.object(claims)
        for (depth, key) in path.enumerated() {
            guard case .object(let members) = current else {
                let parent = path[..<depth].joined(separator: ".")
                throw AuthError.malformedToken("claim \"\(parent)\" must be an object to hold roles at \"\(dotted)\"")
            }
            guard let next = members[key] else { return [] }
            current = next
        }
        switch current {
        case .null:
            return []
        case .string(let role):
            return [role]
        case .array(let items):
            var roles = Set<String>()
            for item in items {
                guard let role = item.stringValue else {
                    throw AuthError.malformedToken("role claim \"\(dotted)\" must contain only strings")
                }
                roles.insert(role)
            }
            return roles
        default:
            throw AuthError.malformedToken("role claim \"\(dotted)\" must be an array of strings or a string")
        }
    }

    /// Puts `roles` at `path`, creating the intermediate objects. An empty path writes nothing.
    static func write(_ roles: [String], into claims: inout [String: JSONValue], path: [String]) {
        guard let first = path.first else { return }
        let value = JSONValue.array(roles.map(JSONValue.string))
        claims[first] = nested(claims[first], path: path.dropFirst(), value: value)
    }

    private static func nested(_ existing: JSONValue?, path: ArraySlice<String>, value: JSONValue) -> JSONValue {
        guard let key = path.first else { return value }
        var members: [String: JSONValue] = [:]
        if case .object(let current)? = existing { members = current }
        members[key] = nested(members[key], path: path.dropFirst(), value: value)
        return .object(members)
    }
}
