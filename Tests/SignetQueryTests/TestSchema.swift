import SignetQuery

/// A certificate-like resource covering every field type, shared by the query tests.
let certificates = ResourceQuerySchema(
    fields: [
        QueryField(name: "serial_number", column: "c.serial_number", type: .string),
        QueryField(name: "key_bits", column: "c.key_bits", type: .number),
        QueryField(name: "not_after", column: "c.not_after", type: .date),
        QueryField(name: "status", column: "c.status", type: .enumeration(["active", "revoked", "expired"])),
        QueryField(name: "metadata", column: "c.metadata", type: .json),
        QueryField(name: "issuer", column: "c.issuer", type: .string, sortable: false),
    ],
    idColumn: "c.id", defaultSort: "not_after", maxPageSize: 1000, defaultPageSize: 100)

/// Parses query items against the certificate schema.
func listRequest(_ items: [(String, String)]) throws(QueryError) -> ListRequest {
    try ListRequest(queryItems: items, schema: certificates)
}

/// Parses one filter expression against the certificate schema.
func filter(_ text: String) throws(QueryError) -> Filter {
    try Filter(parsing: text, schema: certificates)
}
