import Foundation
import SignetQuery
import SignetStore

/// A DMS as clients write it: `{"id", "name", "metadata", "settings": {…}}`.
public struct DMSDocument: Sendable {
    public let id: String
    public let name: String
    public let metadata: JSONValue
    public let settings: DMSSettings
    /// The effective settings (every default filled in): what is stored and shown.
    public let settingsJSON: JSONValue

    /// Reads a document strictly. `urlID` is the id a PUT names: the body may repeat it,
    /// but not contradict it; `allowMetadata` is false for PUT, which replaces the
    /// configuration and leaves metadata to its own endpoints.
    public init(reading value: JSONValue, urlID: String? = nil, allowMetadata: Bool = true) throws {
        var r = try FieldReader(value, path: "")
        let written = try r.string("id")
        switch (written, urlID) {
        case (let written?, let urlID?) where written != urlID:
            throw FieldError("id", "'\(written)' does not match the URL's '\(urlID)'")
        default: break
        }
        let name = try r.string("name")
        id = written ?? urlID ?? Self.generatedID(name: name)
        guard DeviceRules.isValidID(id) else { throw FieldError("id", "'\(id)' must be 1–128 letters, digits, '.', '_' or '-', starting with a letter or digit") }
        self.name = name ?? id
        metadata = allowMetadata ? try r.jsonObject("metadata") ?? .object([:]) : .object([:])
        try DeviceRules.checkMetadata(metadata)
        settings = try DMSSettings(reading: try r.jsonObject("settings") ?? .null, path: "settings")
        settingsJSON = settings.json
        try r.finish()
    }

    /// An id for a DMS created without one: its name made URL-safe, and 8 random hex digits
    /// so that two DMSs of one name do not collide.
    static func generatedID(name: String?) -> String {
        let slug = (name ?? "dms").lowercased().unicodeScalars.map { CharacterSet.alphanumerics.contains($0) && $0.isASCII ? String($0) : "-" }.joined()
        let trimmed = slug.split(separator: "-").joined(separator: "-").prefix(100)
        let suffix = (0..<4).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
        return (trimmed.isEmpty ? "dms" : String(trimmed)) + "-" + suffix
    }

    public var record: DMSRecord {
        DMSRecord(
            id: id, name: name, settings: settingsJSON,
            preventiveDelta: settings.reenrollment.preventiveDelta.seconds, criticalDelta: settings.reenrollment.criticalDelta.seconds,
            metadata: metadata
        )
    }
}
