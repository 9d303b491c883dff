import Testing
import SignetQuery

@Suite("Filter parsing")
struct FilterParsingTests {
    @Test(arguments: ["eq", "ne", "ct", "ct_ic", "in"])
    func stringOperators(op: String) throws {
        let parsed = try filter("serial_number[\(op)]ab,c")
        #expect(parsed == Filter(field: "serial_number", op: FilterOperator(rawValue: op)!, value: "ab,c"))
    }

    @Test(arguments: ["eq", "ne", "lt", "le", "gt", "ge", "in"])
    func numberOperators(op: String) throws {
        let value = op == "in" ? "2048,4096" : "-1.5e3"
        #expect(try filter("key_bits[\(op)]\(value)").value == value)
    }

    @Test(arguments: ["bf", "af", "eq", "lt", "le", "gt", "ge"])
    func dateOperators(op: String) throws {
        #expect(try filter("not_after[\(op)]2024-02-29T23:59:59.5+05:30").op.rawValue == op)
    }

    @Test(arguments: ["eq", "ne", "in"])
    func enumerationOperators(op: String) throws {
        let value = op == "in" ? "active,revoked" : "expired"
        #expect(try filter("status[\(op)]\(value)").value == value)
    }

    @Test(arguments: ["eq", "ne", "ct", "ct_ic"])
    func jsonOperators(op: String) throws {
        let parsed = try filter("metadata.team_1.owner-id[\(op)]x")
        #expect(parsed == Filter(field: "metadata", jsonPath: ["team_1", "owner-id"], op: FilterOperator(rawValue: op)!,
                                 value: "x"))
    }

    @Test func containsIsAnAliasOfCt() throws {
        #expect(try filter("serial_number[contains]prod") == Filter(field: "serial_number", op: .ct, value: "prod"))
        #expect(try filter("serial_number[contains_ic]Prod").op == .ct_ic)
        #expect(try filter("metadata.region[eq]us-east-1") == Filter(field: "metadata", jsonPath: ["region"], op: .eq, value: "us-east-1"))
    }

    @Test func anEqualsSignAfterTheBracketsIsRefusedWithTheRightForm() {
        #expect {
            try filter("serial_number[ct]=device")
        } throws: { error in
            "\(error)".contains("serial_number[ct]device")
        }
    }

    @Test func valueKeepsBracketsAndMayBeEmpty() throws {
        #expect(try filter("serial_number[eq]a[b]c").value == "a[b]c")
        #expect(try filter("serial_number[eq]").value == "")
    }

    @Test func unknownField() {
        #expect(throws: QueryError.unknownField("colour")) { try filter("colour[eq]red") }
    }

    @Test(arguments: [
        ("serial_number[lt]5", "serial_number", "lt", ["eq", "ne", "ct", "ct_ic", "in"]),
        ("key_bits[ct]20", "key_bits", "ct", ["eq", "ne", "lt", "le", "gt", "ge", "in"]),
        ("not_after[ne]2024-01-01T00:00:00Z", "not_after", "ne", ["bf", "af", "eq", "lt", "le", "gt", "ge"]),
        ("status[ct]act", "status", "ct", ["eq", "ne", "in"]),
        ("metadata.a[in]x,y", "metadata", "in", ["eq", "ne", "ct", "ct_ic"]),
        ("status[like]x", "status", "like", ["eq", "ne", "in"]),
    ])
    func operatorNotAllowedForType(text: String, field: String, op: String, allowed: [String]) {
        #expect(throws: QueryError.unsupportedOperator(field: field, op: op, allowed: allowed)) { try filter(text) }
    }

    @Test(arguments: ["2024-02-30T00:00:00Z", "2024-01-01", "2024-01-01T00:00:00", "yesterday",
                      "2024-01-01T24:00:00Z", "2024-01-01T00:00:00.Z"])
    func badDate(value: String) {
        let reason = "not an RFC 3339 date-time such as 2024-05-01T12:00:00Z"
        #expect(throws: QueryError.invalidValue(field: "not_after", value: value, reason: reason)) {
            try filter("not_after[bf]\(value)")
        }
    }

    @Test func dateWithLostPlusGetsAHint() {
        let value = "2024-01-01T00:00:00 01:00"
        let reason = #"not an RFC 3339 date-time such as 2024-05-01T12:00:00Z (send "+" in an offset as %2B)"#
        #expect(throws: QueryError.invalidValue(field: "not_after", value: value, reason: reason)) {
            try filter("not_after[af]\(value)")
        }
    }

    @Test(arguments: ["abc", "nan", "inf", "", "1 "])
    func badNumber(value: String) {
        #expect(throws: QueryError.invalidValue(field: "key_bits", value: value, reason: "not a finite number")) {
            try filter("key_bits[gt]\(value)")
        }
    }

    @Test func badNumberInsideList() {
        #expect(throws: QueryError.invalidValue(field: "key_bits", value: "x", reason: "not a finite number")) {
            try filter("key_bits[in]2048,x")
        }
    }

    @Test func enumValueNotAllowed() {
        let reason = "must be one of active, revoked, expired"
        #expect(throws: QueryError.invalidValue(field: "status", value: "Active", reason: reason)) {
            try filter("status[eq]Active")
        }
        #expect(throws: QueryError.invalidValue(field: "status", value: "gone", reason: reason)) {
            try filter("status[in]active,gone")
        }
    }

    @Test func emptyInEntry() {
        #expect(throws: QueryError.invalidValue(field: "status", value: "active,", reason: "the in list has an empty entry")) {
            try filter("status[in]active,")
        }
    }

    @Test func jsonPathRules() {
        #expect(throws: QueryError.invalidValue(field: "metadata", value: "metadata",
                                                reason: "a JSON field needs a path, e.g. metadata.key[eq]value")) {
            try filter("metadata[eq]x")
        }
        let badSegment = #"path segment "a b" must be non-empty and use only A-Z, a-z, 0-9, _ or -"#
        #expect(throws: QueryError.invalidValue(field: "metadata", value: "metadata.a b", reason: badSegment)) {
            try filter("metadata.a b[eq]x")
        }
        #expect(throws: (QueryError).self) { try filter("metadata.a..b[eq]x") }
        #expect(throws: QueryError.invalidValue(field: "status", value: "status.x",
                                                reason: #"only JSON fields accept a .path; "status" is not a JSON field"#)) {
            try filter("status.x[eq]active")
        }
    }

    @Test(arguments: ["status", "status[eq", "status]eq[x"])
    func malformedFilter(text: String) {
        #expect(throws: QueryError.invalidValue(field: "filter", value: text,
                                                reason: "expected <field>[<op>]<value>, e.g. status[eq]valid")) {
            try filter(text)
        }
    }
}
