import Foundation
import SignetQuery

/// Input: a JSON Patch document (RFC 6902), applied to a metadata object as the metadata
/// PATCH routes apply it.
enum JSONPatchTarget {
    static let document: JSONValue = .object([
        "owner": .string("plant-7"),
        "tags": .array([.string("a"), .string("b")]),
        "nested": .object(["level": .number(1), "flags": .array([.bool(true), .null])]),
    ])

    static func run(_ bytes: [UInt8]) {
        guard let patch = try? JSONPatch(operations: Data(bytes)) else { return }
        _ = try? patch.apply(to: document)
    }
}
