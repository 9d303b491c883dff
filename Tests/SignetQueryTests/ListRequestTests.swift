import Testing
import SignetQuery

@Suite("ListRequest parsing")
struct ListRequestTests {
    @Test func defaultsWhenNothingIsGiven() throws {
        #expect(try listRequest([]) == ListRequest(sortBy: "not_after", pageSize: 100))
    }

    @Test func readsEveryParameter() throws {
        let request = try listRequest([
            ("filter", "status[eq]active"), ("filter", "key_bits[ge]2048"),
            ("sort_by", "serial_number"), ("sort_mode", "desc"), ("page_size", "1000"),
        ])
        #expect(request.filters == [Filter(field: "status", op: .eq, value: "active"),
                                    Filter(field: "key_bits", op: .ge, value: "2048")])
        #expect(request.sortBy == "serial_number")
        #expect(request.sortDescending)
        #expect(request.pageSize == 1000)
        #expect(request.after == nil)
    }

    @Test func unknownParameter() {
        #expect(throws: QueryError.unknownParameter("limit")) { try listRequest([("limit", "5")]) }
    }

    @Test(arguments: ["0", "1001", "abc", "-1", ""])
    func pageSizeOutOfRange(value: String) {
        #expect(throws: QueryError.invalidPageSize("\"\(value)\" is not a whole number from 1 to 1000")) {
            try listRequest([("page_size", value)])
        }
    }

    @Test func pageSizeBoundsAreInclusive() throws {
        #expect(try listRequest([("page_size", "1")]).pageSize == 1)
        #expect(try listRequest([("page_size", "1000")]).pageSize == 1000)
    }

    @Test func sortErrors() {
        let sortable = "sortable: serial_number, key_bits, not_after, status"
        #expect(throws: QueryError.invalidSort(#"cannot sort by "metadata": field is not sortable ("# + sortable + ")")) {
            try listRequest([("sort_by", "metadata")])
        }
        #expect(throws: QueryError.invalidSort(#"cannot sort by "issuer": field is not sortable ("# + sortable + ")")) {
            try listRequest([("sort_by", "issuer")])
        }
        #expect(throws: QueryError.invalidSort(#"cannot sort by "nope": unknown field ("# + sortable + ")")) {
            try listRequest([("sort_by", "nope")])
        }
        #expect(throws: QueryError.invalidSort(#"sort_mode "up" must be asc or desc"#)) {
            try listRequest([("sort_mode", "up")])
        }
    }

    @Test func repeatedSingleParameters() {
        #expect(throws: QueryError.invalidSort("sort_by given more than once")) {
            try listRequest([("sort_by", "status"), ("sort_by", "status")])
        }
        #expect(throws: QueryError.invalidPageSize("page_size given more than once")) {
            try listRequest([("page_size", "5"), ("page_size", "5")])
        }
    }

    @Test func filterErrorsPropagate() {
        #expect(throws: QueryError.unknownField("colour")) { try listRequest([("filter", "colour[eq]red")]) }
    }

    @Test func errorDescriptionsNameTheCulprit() {
        #expect(QueryError.unsupportedOperator(field: "status", op: "ct", allowed: ["eq", "ne", "in"]).description
            == #"operator "ct" is not supported for field "status" (allowed: eq, ne, in)"#)
        #expect(QueryError.invalidValue(field: "key_bits", value: "x", reason: "not a finite number").description
            == #"invalid value "x" for "key_bits": not a finite number"#)
        #expect(QueryError.unknownParameter("limit").description.hasPrefix(#"unknown query parameter "limit""#))
    }
}
