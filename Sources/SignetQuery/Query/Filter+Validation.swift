/// Checks that a filter makes sense for its field. Used for filters parsed from query
/// parameters and again for filters read back out of a bookmark, which is client-held
/// data and therefore no more trustworthy than a query string.
extension Filter {
    func validate(against schema: ResourceQuerySchema) throws(QueryError) {
        guard let definition = schema.field(named: field) else {
            throw .unknownField(field)
        }
        let allowed = definition.type.allowedOperators
        guard allowed.contains(op) else {
            throw .unsupportedOperator(field: field, op: op.rawValue, allowed: allowed.map(\.rawValue))
        }
        try validatePath(for: definition.type)
        for item in items {
            try validate(item, as: definition.type)
        }
    }

    /// The individual values: the comma-separated list for `in`, else the whole value.
    var items: [String] {
        op == .in ? value.split(separator: ",", omittingEmptySubsequences: false).map(String.init) : [value]
    }

    private func validatePath(for type: FieldType) throws(QueryError) {
        guard case .json = type else {
            guard jsonPath.isEmpty else {
                throw .invalidValue(field: field, value: dotted,
                                    reason: "only JSON fields accept a .path; \"\(field)\" is not a JSON field")
            }
            return
        }
        guard !jsonPath.isEmpty else {
            throw .invalidValue(field: field, value: dotted,
                                reason: "a JSON field needs a path, e.g. \(field).key[eq]value")
        }
        for segment in jsonPath where !Self.isValidPathSegment(segment) {
            throw .invalidValue(field: field, value: dotted,
                                reason: "path segment \"\(segment)\" must be non-empty and use only A-Z, a-z, 0-9, _ or -")
        }
    }

    private func validate(_ item: String, as type: FieldType) throws(QueryError) {
        if op == .in, item.isEmpty {
            throw .invalidValue(field: field, value: value, reason: "the in list has an empty entry")
        }
        switch type {
        case .string, .json, .tags:
            return
        case .number:
            guard let number = Double(item), number.isFinite else {
                throw .invalidValue(field: field, value: item, reason: "not a finite number")
            }
        case .date:
            guard RFC3339.parse(item) != nil else {
                // A raw "+" in a URL decodes to a space, the usual way offsets get lost.
                let hint = item.contains(" ") ? " (send \"+\" in an offset as %2B)" : ""
                throw .invalidValue(field: field, value: item,
                                    reason: "not an RFC 3339 date-time such as 2024-05-01T12:00:00Z\(hint)")
            }
        case .enumeration(let names):
            try validate(item, among: names)
        case .derived(let derived):
            try validate(item, among: derived.names)
        }
    }

    private func validate(_ item: String, among names: [String]) throws(QueryError) {
        guard names.contains(item) else {
            throw .invalidValue(field: field, value: item, reason: "must be one of \(names.joined(separator: ", "))")
        }
    }

    /// The field as the client wrote it, e.g. `metadata.a.b`, for error messages.
    private var dotted: String {
        ([field] + jsonPath).joined(separator: ".")
    }

    private static func isValidPathSegment(_ segment: String) -> Bool {
        !segment.isEmpty && segment.unicodeScalars.allSatisfy { scalar in
            ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
                || scalar == "_" || scalar == "-"
        }
    }
}
