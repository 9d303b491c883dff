import Foundation
import Testing
import SignetQuery

@Suite("JSONValue")
struct JSONValueTests {
    @Test func parsesEveryKind() throws {
        let value = try JSONValue(parsing: Data(#"{"a":null,"b":true,"c":1.5,"d":"x","e":[1,2],"f":{}}"#.utf8))
        #expect(value == .object([
            "a": .null, "b": .bool(true), "c": .number(1.5), "d": .string("x"),
            "e": .array([.number(1), .number(2)]), "f": .object([:]),
        ]))
    }

    @Test func booleansAreNotNumbers() throws {
        #expect(try JSONValue(parsing: Data("true".utf8)) == .bool(true))
        #expect(try JSONValue(parsing: Data("1".utf8)) == .number(1))
    }

    @Test func encodesWithSortedKeysAndIntegers() {
        let value = JSONValue.object(["b": .number(2), "a": .array([.number(1.5), .string("x/y"), .null])])
        #expect(String(decoding: value.encoded(), as: UTF8.self) == #"{"a":[1.5,"x/y",null],"b":2}"#)
    }

    @Test func roundTripsThroughEncoding() throws {
        let text = #"{"k":[true,false,null,-3,"s",{"n":0.25}]}"#
        let value = try JSONValue(parsing: Data(text.utf8))
        #expect(try JSONValue(parsing: value.encoded()) == value)
        #expect(String(decoding: value.encoded(), as: UTF8.self) == text)
    }

    @Test func equalityIgnoresKeyOrderAndNumberSpelling() throws {
        let a = try JSONValue(parsing: Data(#"{"x":1,"y":[1.0]}"#.utf8))
        let b = try JSONValue(parsing: Data(#"{"y":[1e0],"x":1.00}"#.utf8))
        #expect(a == b)
    }

    @Test func rejectsInvalidJSON() {
        #expect(throws: (any Error).self) { try JSONValue(parsing: Data("{".utf8)) }
    }
}
