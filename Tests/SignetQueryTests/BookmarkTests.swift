import Foundation
import Testing
import SignetQuery

@Suite("Bookmarks")
struct BookmarkTests {
    private let firstPage: [(String, String)] = [
        ("filter", "status[in]active,revoked"), ("filter", "metadata.team[ct_ic]PKI"),
        ("sort_by", "key_bits"), ("sort_mode", "desc"), ("page_size", "25"),
    ]

    private func token(lastSortValue: String? = "4096", lastID: String = "cert-42") throws -> String {
        Bookmark.encode(try listRequest(firstPage), lastSortValue: lastSortValue, lastID: lastID)
    }

    @Test func roundTripsThroughEncodeAndDecode() throws {
        let first = try listRequest(firstPage)
        let decoded = try Bookmark.decode(try token())
        #expect(decoded.filters == first.filters)
        #expect(decoded.sortBy == "key_bits")
        #expect(decoded.sortDescending)
        #expect(decoded.pageSize == 25)
        #expect(decoded.after == KeysetPosition(sortValue: "4096", id: "cert-42"))
    }

    @Test func isURLSafe() throws {
        let text = try token(lastID: String(repeating: "?>~", count: 20))
        #expect(text.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
    }

    @Test func bookmarkAloneRestoresTheQuery() throws {
        var expected = try listRequest(firstPage)
        expected.after = KeysetPosition(sortValue: "4096", id: "cert-42")
        #expect(try listRequest([("bookmark", try token())]) == expected)
    }

    @Test func nilSortValueSurvives() throws {
        #expect(try listRequest([("bookmark", try token(lastSortValue: nil))]).after == KeysetPosition(sortValue: nil, id: "cert-42"))
    }

    @Test func matchingParametersMayBeRepeatedInAnyOrder() throws {
        let items = [("bookmark", try token()), ("sort_mode", "desc"), ("sort_by", "key_bits"),
                     ("filter", "metadata.team[ct_ic]PKI"), ("filter", "status[in]active,revoked")]
        #expect(try listRequest(items).after?.id == "cert-42")
    }

    @Test func pageSizeMayChangeButIsStillChecked() throws {
        #expect(try listRequest([("bookmark", try token()), ("page_size", "5")]).pageSize == 5)
        #expect(throws: QueryError.invalidPageSize(#""0" is not a whole number from 1 to 1000"#)) {
            try listRequest([("bookmark", try token()), ("page_size", "0")])
        }
    }

    @Test func mismatchingFilterIsRejected() throws {
        let message = "the filter parameters differ from the bookmark's; omit them or repeat them exactly when passing a bookmark"
        #expect(throws: QueryError.bookmarkMismatch(message)) {
            try listRequest([("bookmark", try token()), ("filter", "status[in]active")])
        }
    }

    @Test func mismatchingSortIsRejected() throws {
        #expect(throws: QueryError.bookmarkMismatch(#"sort_by "status" differs from the bookmark's "key_bits""#)) {
            try listRequest([("bookmark", try token()), ("sort_by", "status")])
        }
        #expect(throws: QueryError.bookmarkMismatch(#"sort_mode "asc" differs from the bookmark's "desc""#)) {
            try listRequest([("bookmark", try token()), ("sort_mode", "asc")])
        }
    }

    @Test(arguments: ["", "!!!", "bm90IGpzb24", "e30"])
    func garbageIsRejected(text: String) {
        #expect(throws: QueryError.self) { try listRequest([("bookmark", text)]) }
    }

    @Test func tamperedTokenIsRejected() throws {
        let text = try token()
        let truncated = String(text.dropLast(6))
        let brokenStart = "f" + text.dropFirst()  // the leading "{" no longer decodes as "{"
        for tampered in [truncated, brokenStart] {
            #expect(throws: QueryError.invalidBookmark("token content is not a bookmark")) {
                try listRequest([("bookmark", tampered)])
            }
        }
    }

    @Test func forgedContentsAreValidatedAgainstTheSchema() throws {
        func forge(_ json: String) -> String {
            Data(json.utf8).base64EncodedString()
                .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
                .replacingOccurrences(of: "=", with: "")
        }
        let badFilter = forge(#"{"v":1,"f":[{"field":"key_bits","jsonPath":[],"op":"eq","value":"1; DROP"}],"s":"key_bits","d":false,"n":10,"i":"x"}"#)
        #expect(throws: QueryError.invalidBookmark(
            #"contents do not fit this resource: invalid value "1; DROP" for "key_bits": not a finite number"#)) {
            try listRequest([("bookmark", badFilter)])
        }
        let badSize = forge(#"{"v":1,"f":[],"s":"key_bits","d":false,"n":5000,"i":"x"}"#)
        #expect(throws: QueryError.self) { try listRequest([("bookmark", badSize)]) }
        let badVersion = forge(#"{"v":2,"f":[],"s":"key_bits","d":false,"n":5,"i":"x"}"#)
        #expect(throws: QueryError.invalidBookmark("unsupported bookmark version 2")) {
            try listRequest([("bookmark", badVersion)])
        }
    }
}
