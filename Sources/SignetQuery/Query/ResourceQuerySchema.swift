/// Everything the query language needs to know about one resource's list endpoint:
/// its fields, its unique id column (the pagination tiebreaker) and paging limits.
public struct ResourceQuerySchema: Sendable {
    public let fields: [QueryField]
    /// A text-typed, unique SQL expression; it breaks ties between equal sort values so
    /// keyset pagination never skips or repeats rows.
    public let idColumn: String
    public let defaultSort: String
    public let maxPageSize: Int
    public let defaultPageSize: Int
    private let byName: [String: QueryField]

    /// Schemas are written by the server author, so inconsistencies (duplicate names,
    /// an unsortable default sort, nonsensical page sizes) are programmer errors and
    /// stop the process at startup instead of surfacing as odd responses later.
    public init(
        fields: [QueryField], idColumn: String, defaultSort: String,
        maxPageSize: Int = 1000, defaultPageSize: Int = 100
    ) {
        var byName: [String: QueryField] = [:]
        for field in fields {
            precondition(byName[field.name] == nil, "duplicate query field \"\(field.name)\"")
            precondition(!field.name.contains(".") && !field.name.contains("["),
                         "query field name \"\(field.name)\" may not contain \".\" or \"[\"")
            byName[field.name] = field
        }
        precondition(byName[defaultSort]?.sortable == true, "default sort \"\(defaultSort)\" is not a sortable field")
        precondition(maxPageSize >= 1, "maxPageSize must be at least 1")
        precondition((1...maxPageSize).contains(defaultPageSize), "defaultPageSize must be within 1...maxPageSize")
        self.fields = fields
        self.idColumn = idColumn
        self.defaultSort = defaultSort
        self.maxPageSize = maxPageSize
        self.defaultPageSize = defaultPageSize
        self.byName = byName
    }

    public func field(named name: String) -> QueryField? {
        byName[name]
    }

    /// The field `sort_by` refers to, or a message saying why it cannot be used.
    func sortField(named name: String) throws(QueryError) -> QueryField {
        guard let field = byName[name], field.sortable else {
            let choices = fields.filter(\.sortable).map(\.name).joined(separator: ", ")
            let problem = byName[name] == nil ? "unknown field" : "field is not sortable"
            throw .invalidSort("cannot sort by \"\(name)\": \(problem) (sortable: \(choices))")
        }
        return field
    }
}
