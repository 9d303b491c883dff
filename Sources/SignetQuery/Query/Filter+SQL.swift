/// Turning one validated filter into a SQL condition. Column expressions come from the
/// schema (trusted); every piece of the request, including JSON paths, goes through a
/// bind parameter.
extension Filter {
    func condition(for field: QueryField, binder: inout SQLBinder) -> String {
        if case .derived(let derived) = field.type { return condition(derived) }
        if case .tags = field.type { return tagCondition(field.column, binder: &binder) }
        if case .json = field.type, op == .eq { return containment(field.column, binder: &binder) }
        let subject: String
        switch field.type {
        case .json:
            // `#>>` extracts the text at a path; the path itself is bound as text[].
            subject = "(\(field.column) #>> \(binder.placeholder(.textArray(jsonPath)))::text[])"
        case .enumeration:
            // Enumerations are often PostgreSQL enum types, which refuse to compare
            // with a text parameter; comparing as text works for both enums and text.
            subject = "(\(field.column))::text"
        case .string, .number, .date, .derived, .tags:
            subject = field.column
        }

        switch op {
        case .ct:
            return "\(subject) LIKE \(binder.placeholder(.text(containsPattern))) ESCAPE '\\'"
        case .ct_ic:
            return "\(subject) ILIKE \(binder.placeholder(.text(containsPattern))) ESCAPE '\\'"
        case .in:
            // One array parameter however long the list, so the statement text (and a
            // prepared-statement cache) does not vary with the number of values.
            let elementType = field.type == .number ? "double precision" : "text"
            return "\(subject) = ANY(\(binder.placeholder(.textArray(items)))::\(elementType)[])"
        case .ne:
            // IS DISTINCT FROM keeps rows whose value is NULL: they are "not equal" too.
            return "\(subject) IS DISTINCT FROM \(typedValue(for: field.type, binder: &binder))"
        case .eq:
            return "\(subject) = \(typedValue(for: field.type, binder: &binder))"
        case .lt, .bf:
            return "\(subject) < \(typedValue(for: field.type, binder: &binder))"
        case .le:
            return "\(subject) <= \(typedValue(for: field.type, binder: &binder))"
        case .gt, .af:
            return "\(subject) > \(typedValue(for: field.type, binder: &binder))"
        case .ge:
            return "\(subject) >= \(typedValue(for: field.type, binder: &binder))"
        }
    }

    /// A derived value is matched by its predicates, never by computing it per row.
    private func condition(_ derived: DerivedEnumeration) -> String {
        switch op {
        case .ne: "NOT (\(derived.predicate(value)))"
        case .in: "(" + items.map { "(\(derived.predicate($0)))" }.joined(separator: " OR ") + ")"
        default: "(\(derived.predicate(value)))"
        }
    }

    /// `path[eq]value` as JSON containment, which a GIN index on the document answers: the
    /// value as a JSON string, or, when it reads as a number or boolean, as that too (the
    /// text at the path would be the same for both).
    private func containment(_ column: String, binder: inout SQLBinder) -> String {
        func nested(_ leaf: JSONValue) -> String {
            let document = jsonPath.reversed().reduce(leaf) { inner, key in .object([key: inner]) }
            return String(decoding: document.encoded(), as: UTF8.self)
        }
        var alternatives = [nested(.string(value))]
        if value == "true" || value == "false" {
            alternatives.append(nested(.bool(value == "true")))
        } else if let number = Double(value), number.isFinite, value.allSatisfy({ "0123456789.-+eE".contains($0) }) {
            alternatives.append(nested(.number(number)))
        }
        return "(" + alternatives.map { "\(column) @> \(binder.placeholder(.json($0)))::jsonb" }.joined(separator: " OR ") + ")"
    }

    /// Array containment and overlap, which a GIN index on the column answers.
    private func tagCondition(_ column: String, binder: inout SQLBinder) -> String {
        switch op {
        case .ne: "NOT (\(column) @> \(binder.placeholder(.textArray([value])))::text[])"
        case .in: "\(column) && \(binder.placeholder(.textArray(items)))::text[]"
        default: "\(column) @> \(binder.placeholder(.textArray([value])))::text[]"
        }
    }

    /// Binds the value with the field's type. Validation guarantees it converts; should
    /// an unvalidated filter slip through, the text is bound with a cast so PostgreSQL
    /// rejects it loudly rather than the query matching something unintended.
    private func typedValue(for type: FieldType, binder: inout SQLBinder) -> String {
        switch type {
        case .number:
            if let number = Double(value), number.isFinite {
                return binder.placeholder(.number(number))
            }
            return binder.placeholder(.text(value)) + "::double precision"
        case .date:
            if let date = RFC3339.parse(value) {
                return binder.placeholder(.timestamp(date))
            }
            return binder.placeholder(.text(value)) + "::timestamptz"
        case .string, .enumeration, .json, .derived, .tags:
            return binder.placeholder(.text(value))
        }
    }

    /// `%value%` with LIKE's own wildcards escaped, so `ct` means "contains this text"
    /// and a client's `%` or `_` cannot widen the match.
    var containsPattern: String {
        var escaped = ""
        for character in value {
            if character == "\\" || character == "%" || character == "_" {
                escaped.append("\\")
            }
            escaped.append(character)
        }
        return "%" + escaped + "%"
    }
}
