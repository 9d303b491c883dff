import Foundation
import Testing
import SignetQuery

@Suite("SQL building")
struct ListSQLTests {
    @Test func representativeRequest() throws {
        var request = try listRequest([
            ("filter", "status[eq]active"), ("filter", "serial_number[ct]ab_1%"),
            ("filter", "not_after[af]2024-01-01T00:00:00Z"), ("sort_by", "not_after"), ("sort_mode", "desc"),
            ("page_size", "50"),
        ])
        request.after = KeysetPosition(sortValue: "2024-06-01 00:00:00+00", id: "id-9")
        let fragment = ListSQL.build(request, schema: certificates, firstBind: 3)
        #expect(fragment.sql == """
            WHERE (c.status)::text = $3 AND c.serial_number LIKE $4 ESCAPE '\\' AND c.not_after > $5 \
            AND (COALESCE(c.not_after, '-infinity'::timestamptz), c.id) < ($6::timestamptz, $7) \
            ORDER BY COALESCE(c.not_after, '-infinity'::timestamptz) DESC, c.id DESC LIMIT 51
            """)
        #expect(fragment.binds == [
            .text("active"), .text("%ab\\_1\\%%"), .timestamp(Date(timeIntervalSince1970: 1_704_067_200)),
            .text("2024-06-01 00:00:00+00"), .text("id-9"),
        ])
    }

    @Test func firstPageAscendingWithoutFilters() throws {
        let fragment = ListSQL.build(try listRequest([("sort_by", "serial_number")]), schema: certificates)
        #expect(fragment.sql == "WHERE TRUE ORDER BY COALESCE(c.serial_number, '') ASC, c.id ASC LIMIT 101")
        #expect(fragment.binds.isEmpty)
    }

    @Test func ascendingKeysetOnNumberCastsToDoublePrecision() throws {
        var request = try listRequest([("sort_by", "key_bits"), ("page_size", "10")])
        request.after = KeysetPosition(sortValue: "2048", id: "b")
        #expect(ListSQL.build(request, schema: certificates).sql == """
            WHERE (COALESCE(c.key_bits, '-Infinity'::double precision), c.id) > ($1::double precision, $2) \
            ORDER BY COALESCE(c.key_bits, '-Infinity'::double precision) ASC, c.id ASC LIMIT 11
            """)
    }

    @Test func nullKeysetValueUsesTheSentinel() throws {
        var request = try listRequest([("sort_by", "status")])
        request.after = KeysetPosition(sortValue: nil, id: "z")
        let fragment = ListSQL.build(request, schema: certificates)
        #expect(fragment.sql.hasPrefix("WHERE (COALESCE((c.status)::text, ''), c.id) > ('', $1) ORDER BY"))
        #expect(fragment.binds == [.text("z")])
        #expect(ListSQL.sortValueExpression(for: request, schema: certificates) == "(COALESCE((c.status)::text, ''))::text")
    }

    @Test func everyOperatorShape() throws {
        let cases: [(String, String, [SQLValue])] = [
            ("serial_number[ne]x", "c.serial_number IS DISTINCT FROM $1", [.text("x")]),
            ("serial_number[ct_ic]A\\b", "c.serial_number ILIKE $1 ESCAPE '\\'", [.text("%A\\\\b%")]),
            ("serial_number[in]a,b", "c.serial_number = ANY($1::text[])", [.textArray(["a", "b"])]),
            ("key_bits[le]2048", "c.key_bits <= $1", [.number(2048)]),
            ("key_bits[in]1,2.5", "c.key_bits = ANY($1::double precision[])", [.textArray(["1", "2.5"])]),
            ("not_after[bf]1970-01-01T00:00:10Z", "c.not_after < $1", [.timestamp(Date(timeIntervalSince1970: 10))]),
            ("not_after[ge]1970-01-01T00:00:10Z", "c.not_after >= $1", [.timestamp(Date(timeIntervalSince1970: 10))]),
            ("status[in]active,expired", "(c.status)::text = ANY($1::text[])", [.textArray(["active", "expired"])]),
            ("status[ne]revoked", "(c.status)::text IS DISTINCT FROM $1", [.text("revoked")]),
        ]
        for (text, sql, binds) in cases {
            let fragment = ListSQL.condition([try filter(text)], schema: certificates)
            #expect(fragment == SQLFragment(sql: sql, binds: binds), "\(text)")
        }
    }

    @Test func jsonPathFilterBindsPathAndValue() throws {
        let filters = [try filter("metadata.owner.team[eq]pki-ops"), try filter("metadata.env[ct]pro"), try filter("metadata.env[ne]prod")]
        let fragment = ListSQL.condition(filters, schema: certificates, firstBind: 7)
        #expect(fragment.sql == "(c.metadata @> $7::jsonb) AND (c.metadata #>> $8::text[]) LIKE $9 ESCAPE '\\' AND (c.metadata #>> $10::text[]) IS DISTINCT FROM $11")
        #expect(fragment.binds == [.json(#"{"owner":{"team":"pki-ops"}}"#), .textArray(["env"]), .text("%pro%"), .textArray(["env"]), .text("prod")])
    }

    /// `eq` on a path is JSON containment (indexed); a value that reads as a number or a
    /// boolean also matches that JSON type, as the text at the path would.
    @Test func jsonEqualityIsContainmentOfEachReading() throws {
        let cases: [(String, [SQLValue])] = [
            ("metadata.n[eq]42", [.json(#"{"n":"42"}"#), .json(#"{"n":42}"#)]),
            ("metadata.on[eq]true", [.json(#"{"on":"true"}"#), .json(#"{"on":true}"#)]),
            ("metadata.v[eq]1e", [.json(#"{"v":"1e"}"#)]),
            ("metadata.q[eq]a\"b", [.json(#"{"q":"a\"b"}"#)]),
        ]
        for (text, binds) in cases {
            let fragment = ListSQL.condition([try filter(text)], schema: certificates)
            #expect(fragment.binds == binds, "\(text)")
            #expect(fragment.sql == "(" + (1...binds.count).map { "c.metadata @> $\($0)::jsonb" }.joined(separator: " OR ") + ")", "\(text)")
        }
    }

    @Test func conditionWithoutFiltersIsTrue() {
        #expect(ListSQL.condition([], schema: certificates, firstBind: 4) == SQLFragment(sql: "TRUE", binds: []))
    }

    @Test func injectionAttemptsOnlyEverReachBinds() throws {
        let hostile = "x' OR '1'='1"
        var request = try listRequest([
            ("filter", "serial_number[eq]\(hostile)"), ("filter", "serial_number[ct]\(hostile)"),
            ("filter", "metadata.k[ne]\(hostile)"), ("filter", "issuer[in]\(hostile),b"),
        ])
        request.after = KeysetPosition(sortValue: hostile, id: hostile)
        let fragment = ListSQL.build(request, schema: certificates)
        for marker in ["'1'", " OR '", "x'"] {
            #expect(!fragment.sql.contains(marker), "SQL contains \(marker): \(fragment.sql)")
        }
        #expect(fragment.binds.contains(.text(hostile)))
        #expect(fragment.binds.contains(.text("%x' OR '1'='1%")))
        #expect(fragment.binds.contains(.textArray([hostile, "b"])))
        #expect(fragment.binds.count == 7)
    }

    @Test func unknownFieldInHandBuiltRequestMatchesNothing() {
        let request = ListRequest(filters: [Filter(field: "ghost", op: .eq, value: "x")], sortBy: "ghost", pageSize: 5)
        #expect(ListSQL.build(request, schema: certificates).sql
            == "WHERE FALSE ORDER BY COALESCE(c.not_after, '-infinity'::timestamptz) ASC, c.id ASC LIMIT 6")
    }

    @Test func pagingEndToEnd() throws {
        let first = try listRequest([("filter", "key_bits[gt]1024"), ("sort_by", "key_bits"), ("page_size", "2")])
        let mark = Bookmark.encode(first, lastSortValue: "4096", lastID: "c-2")
        let next = ListSQL.build(try listRequest([("bookmark", mark)]), schema: certificates)
        #expect(next.sql == """
            WHERE c.key_bits > $1 AND (COALESCE(c.key_bits, '-Infinity'::double precision), c.id) > ($2::double precision, $3) \
            ORDER BY COALESCE(c.key_bits, '-Infinity'::double precision) ASC, c.id ASC LIMIT 3
            """)
        #expect(next.binds == [.number(1024), .text("4096"), .text("c-2")])
    }
}
