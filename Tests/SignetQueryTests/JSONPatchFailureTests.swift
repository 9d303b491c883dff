import Foundation
import Testing
import SignetQuery

@Suite("JSON Patch failures")
struct JSONPatchFailureTests {
    /// The error from applying `operations` to `document`, or nil if it succeeded.
    private func failure(_ document: String, _ operations: String) throws -> JSONPatchError? {
        let parsed = try JSONPatch(operations: Data(operations.utf8))
        do {
            _ = try parsed.apply(to: json(document))
            return nil
        } catch let error as JSONPatchError {
            return error
        }
    }

    @Test func failedTestLeavesInputUntouchedAndNamesTheOperation() throws {
        let original = try json(#"{"a":1,"l":[1]}"#)
        let operations = try JSONPatch(operations: Data(#"""
            [{"op":"add","path":"/b","value":2},{"op":"remove","path":"/l/0"},{"op":"test","path":"/a","value":2}]
            """#.utf8))
        var caught: JSONPatchError?
        do { _ = try operations.apply(to: original) } catch { caught = error }
        #expect(caught == .operationFailed(index: 2, op: "test", path: "/a", reason: "test failed: value is 1, expected 2"))
        #expect(original == (try json(#"{"a":1,"l":[1]}"#)))
    }

    @Test func moveIntoOwnChildIsRejected() throws {
        let error = try failure(#"{"a":{"b":{}}}"#, #"[{"op":"move","from":"/a","path":"/a/b/c"}]"#)
        #expect(error == .operationFailed(index: 0, op: "move", path: "/a/b/c",
                                          reason: #"cannot move "/a" into its own child "/a/b/c""#))
    }

    @Test func removeAndReplaceNeedAnExistingTarget() throws {
        #expect(try failure(#"{"a":1}"#, #"[{"op":"remove","path":"/b"}]"#)
            == .operationFailed(index: 0, op: "remove", path: "/b", reason: #""" (the document root) has no member "b""#))
        #expect(try failure(#"{"a":{}}"#, #"[{"op":"replace","path":"/a/b","value":1}]"#)
            == .operationFailed(index: 0, op: "replace", path: "/a/b", reason: #""/a" has no member "b""#))
    }

    @Test func addNeedsAnExistingParentAndValidIndex() throws {
        #expect(try failure("{}", #"[{"op":"add","path":"/a/b","value":1}]"#)
            == .operationFailed(index: 0, op: "add", path: "/a/b", reason: #""" (the document root) has no member "a""#))
        #expect(try failure(#"{"l":[1]}"#, #"[{"op":"add","path":"/l/2","value":1}]"#)
            == .operationFailed(index: 0, op: "add", path: "/l/2",
                                reason: #"index 2 is out of bounds for array "/l" of 1 element(s)"#))
        #expect(try failure(#"{"l":[1]}"#, #"[{"op":"add","path":"/l/01","value":1}]"#)
            == .operationFailed(index: 0, op: "add", path: "/l/01", reason: #""01" is not a valid index for array "/l""#))
        #expect(try failure(#"{"s":"x"}"#, #"[{"op":"add","path":"/s/a","value":1}]"#)
            == .operationFailed(index: 0, op: "add", path: "/s/a", reason: #""/s" is string, not an object or array"#))
    }

    @Test func dashOnlyWorksForAdd() throws {
        #expect(try failure("[1]", #"[{"op":"remove","path":"/-"}]"#)
            == .operationFailed(index: 0, op: "remove", path: "/-",
                                reason: #""-" names the nonexistent element after the end of array "" (the document root)"#))
    }

    @Test func missingFromIsLabelled() throws {
        #expect(try failure("{}", #"[{"op":"copy","from":"/x","path":"/y"}]"#)
            == .operationFailed(index: 0, op: "copy", path: "/y",
                                reason: #"from "/x": "" (the document root) has no member "x""#))
    }

    @Test func removingTheRootIsRejected() throws {
        #expect(try failure("{}", #"[{"op":"remove","path":""}]"#)
            == .operationFailed(index: 0, op: "remove", path: "", reason: "cannot remove the whole document"))
    }

    @Test(arguments: [
        (#"[{"op":"frob","path":"/a"}]"#,
         #"operation 0: unknown op "frob" (expected add, remove, replace, move, copy or test)"#),
        (#"[{"path":"/a"}]"#, #"operation 0: missing "op""#),
        (#"[{"op":"add","path":"/a","value":1},{"op":"add","value":1}]"#, #"operation 1 (add): missing "path""#),
        (#"[{"op":"replace","path":"/a"}]"#, #"operation 0 (replace): missing "value""#),
        (#"[{"op":"test","path":"/a"}]"#, #"operation 0 (test): missing "value""#),
        (#"[{"op":"move","path":"/a"}]"#, #"operation 0 (move): missing "from""#),
        (#"[{"op":"copy","path":"/a","from":7}]"#, #"operation 0 (copy): "from" must be a string, got number"#),
        (#"[{"op":"remove","path":"a"}]"#,
         #"operation 0 (remove): "path" is not a valid pointer: invalid JSON Pointer "a": must be empty or start with "/""#),
        (#"[{"op":1}]"#, #"operation 0: "op" must be a string, got number"#),
        (#"["add"]"#, "operation 0: expected an object, got string"),
        (#"{"op":"add"}"#, #"expected a JSON array of operations or an object with a "patches" array"#),
        (#"{"patches":[],"x":1}"#, #"unexpected member(s) next to "patches": x"#),
        ("3", "expected a JSON array of operations, got number"),
        ("[", "body is not valid JSON"),
    ])
    func malformedPatches(body: String, detail: String) {
        #expect(throws: JSONPatchError.malformed(detail)) { try JSONPatch(operations: Data(body.utf8)) }
    }

    @Test func nullIsAValidValue() throws {
        #expect(try patch(#"{"a":1}"#, #"[{"op":"replace","path":"/a","value":null}]"#) == json(#"{"a":null}"#))
    }

    @Test func errorDescriptionNamesEverything() {
        let error = JSONPatchError.operationFailed(index: 3, op: "remove", path: "/x", reason: "gone")
        #expect(error.description == #"patch operation 3 (remove "/x") failed: gone"#)
    }
}
