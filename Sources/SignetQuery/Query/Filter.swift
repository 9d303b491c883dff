/// One `filter=<field>[<op>]<value>` condition. Several filters are ANDed together.
///
/// The value is kept as the client's text: it is validated for the field's type when
/// parsed, converted to a typed bind parameter only when SQL is built, and stays
/// exactly reproducible inside a bookmark.
public struct Filter: Sendable, Hashable, Codable {
    public let field: String
    /// For JSON fields, the member path inside the document (`metadata.a.b` gives
    /// `["a", "b"]`); empty for every other type.
    public let jsonPath: [String]
    public let op: FilterOperator
    public let value: String

    public init(field: String, jsonPath: [String] = [], op: FilterOperator, value: String) {
        self.field = field
        self.jsonPath = jsonPath
        self.op = op
        self.value = value
    }

    /// Parses the text of one `filter` query parameter and validates it against the
    /// schema. The value is everything after the first `]`, so it may itself contain
    /// brackets, dots or commas.
    public init(parsing text: String, schema: ResourceQuerySchema) throws(QueryError) {
        guard let open = text.firstIndex(of: "["),
              let close = text[open...].firstIndex(of: "]")
        else {
            throw .invalidValue(field: "filter", value: text, reason: "expected <field>[<op>]<value>, e.g. status[eq]valid")
        }
        let target = text[..<open]
        let opText = String(text[text.index(after: open)..<close])
        let value = String(text[text.index(after: close)...])

        let name: String
        var path: [String] = []
        if let dot = target.firstIndex(of: ".") {
            name = String(target[..<dot])
            path = target[target.index(after: dot)...]
                .split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        } else {
            name = String(target)
        }
        guard let field = schema.field(named: name) else {
            throw .unknownField(name)
        }
        guard let op = FilterOperator(spelling: opText) else {
            throw .unsupportedOperator(field: name, op: opText, allowed: field.type.allowedOperators.map(\.rawValue))
        }
        // `name[ct]=device` is a common slip for `name[ct]device`; searching for "=device"
        // would silently find nothing, so say what the filter should look like.
        if value.hasPrefix("=") {
            throw .invalidValue(field: name, value: value, reason: "the value starts with '='; write \(target)[\(opText)]\(value.dropFirst()) (no '=' after the brackets)")
        }
        let filter = Filter(field: name, jsonPath: path, op: op, value: value)
        try filter.validate(against: schema)
        self = filter
    }
}
