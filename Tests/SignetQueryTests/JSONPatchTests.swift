import Foundation
import Testing
import SignetQuery

/// Parses a document written as JSON text; keeps the tests readable.
func json(_ text: String) throws -> JSONValue {
    try JSONValue(parsing: Data(text.utf8))
}

/// Applies a patch given as JSON text to a document given as JSON text.
func patch(_ document: String, _ operations: String) throws -> JSONValue {
    try JSONPatch(operations: Data(operations.utf8)).apply(to: json(document))
}

@Suite("JSON Patch operations")
struct JSONPatchTests {
    @Test func addMemberAndReplaceExistingMember() throws {
        #expect(try patch(#"{"a":1}"#, #"[{"op":"add","path":"/b","value":{"c":[]}}]"#) == json(#"{"a":1,"b":{"c":[]}}"#))
        #expect(try patch(#"{"a":1}"#, #"[{"op":"add","path":"/a","value":2}]"#) == json(#"{"a":2}"#))
    }

    @Test func addAppendsWithDashAndInsertsAtIndex() throws {
        #expect(try patch(#"{"l":[1,2]}"#, #"[{"op":"add","path":"/l/-","value":3}]"#) == json(#"{"l":[1,2,3]}"#))
        #expect(try patch(#"{"l":[1,2]}"#, #"[{"op":"add","path":"/l/1","value":9}]"#) == json(#"{"l":[1,9,2]}"#))
        #expect(try patch(#"{"l":[1,2]}"#, #"[{"op":"add","path":"/l/2","value":9}]"#) == json(#"{"l":[1,2,9]}"#))
        #expect(try patch(#"{"l":[]}"#, #"[{"op":"add","path":"/l/0","value":null}]"#) == json(#"{"l":[null]}"#))
    }

    @Test func addAtRootReplacesDocument() throws {
        #expect(try patch(#"{"a":1}"#, #"[{"op":"add","path":"","value":[1]}]"#) == json("[1]"))
    }

    @Test func removeMemberAndElement() throws {
        #expect(try patch(#"{"a":1,"b":2}"#, #"[{"op":"remove","path":"/a"}]"#) == json(#"{"b":2}"#))
        #expect(try patch(#"[1,2,3]"#, #"[{"op":"remove","path":"/1"}]"#) == json("[1,3]"))
    }

    @Test func replaceValue() throws {
        #expect(try patch(#"{"a":{"b":1}}"#, #"[{"op":"replace","path":"/a/b","value":"x"}]"#) == json(#"{"a":{"b":"x"}}"#))
        #expect(try patch(#"{"a":1}"#, #"[{"op":"replace","path":"","value":true}]"#) == .bool(true))
    }

    @Test func moveValue() throws {
        let result = try patch(#"{"a":{"x":1},"l":[5]}"#, #"[{"op":"move","from":"/a/x","path":"/l/0"}]"#)
        #expect(try result == json(#"{"a":{},"l":[1,5]}"#))
        #expect(try patch(#"{"a":1}"#, #"[{"op":"move","from":"/a","path":"/a"}]"#) == json(#"{"a":1}"#))
    }

    @Test func copyValue() throws {
        #expect(try patch(#"{"a":[1]}"#, #"[{"op":"copy","from":"/a","path":"/b"}]"#) == json(#"{"a":[1],"b":[1]}"#))
    }

    @Test func testComparesByJSONEquality() throws {
        let document = #"{"a":{"x":1,"y":[true]}}"#
        let result = try patch(document, #"[{"op":"test","path":"/a","value":{"y":[true],"x":1.0}}]"#)
        #expect(try result == json(document))
    }

    @Test func escapedPathsReachTheRightMembers() throws {
        let result = try patch(#"{"a/b":1,"m~n":2}"#, #"""
            [{"op":"replace","path":"/a~1b","value":10},{"op":"remove","path":"/m~0n"}]
            """#)
        #expect(try result == json(#"{"a/b":10}"#))
    }

    @Test func operationsRunInOrder() throws {
        let result = try patch("{}", #"""
            [{"op":"add","path":"/l","value":[]},{"op":"add","path":"/l/-","value":1},
             {"op":"copy","from":"/l/0","path":"/l/-"},{"op":"test","path":"/l","value":[1,1]}]
            """#)
        #expect(try result == json(#"{"l":[1,1]}"#))
    }

    @Test func acceptsPatchesWrapper() throws {
        #expect(try patch(#"{}"#, #"{"patches":[{"op":"add","path":"/a","value":1}]}"#) == json(#"{"a":1}"#))
    }

    @Test func programmaticPatch() throws {
        let ops: [JSONPatchOperation] = [.add(path: try JSONPointer("/a"), value: .number(1)),
                                         .test(try JSONPointer("/a"), .number(1))]
        #expect(try JSONPatch(ops).apply(to: .object([:])) == .object(["a": .number(1)]))
    }
}
