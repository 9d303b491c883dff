import Testing
import SignetQuery

@Suite("JSONPointer")
struct JSONPointerTests {
    @Test func emptyPointerIsWholeDocument() throws {
        #expect(try JSONPointer("").tokens == [])
    }

    @Test func splitsAndUnescapes() throws {
        #expect(try JSONPointer("/a/b").tokens == ["a", "b"])
        #expect(try JSONPointer("/a~1b/m~0n/~01").tokens == ["a/b", "m~n", "~1"])
        #expect(try JSONPointer("/").tokens == [""])
        #expect(try JSONPointer("/a//b").tokens == ["a", "", "b"])
    }

    @Test func descriptionReEscapes() throws {
        #expect(try JSONPointer("/a~1b/m~0n").description == "/a~1b/m~0n")
    }

    @Test func rejectsMissingLeadingSlash() {
        #expect(throws: JSONPatchError.invalidPointer(pointer: "a/b", reason: "must be empty or start with \"/\"")) {
            try JSONPointer("a/b")
        }
    }

    @Test(arguments: ["/a~2", "/a~", "/~x/b"])
    func rejectsBadEscapes(text: String) {
        #expect(throws: JSONPatchError.invalidPointer(pointer: text, reason: "\"~\" must be followed by 0 or 1")) {
            try JSONPointer(text)
        }
    }
}
