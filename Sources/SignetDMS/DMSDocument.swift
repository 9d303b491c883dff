import Foundation
import SignetQuery
import SignetStore

/// A DMS as clients write it: `{"id", "name", "metadata", "settings": {…}}`.
public struct DMSDocument: Sendable {
    public let id: String
    public let name: String
    public let metadata: JSONValue
    public let settings: DMSSettings
    /// The settings exactly as written, which is what is stored and shown.
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
        case (nil, nil):
            throw FieldError("id", "is required")
        default: break
        }
        id = written ?? urlID ?? ""
        guard DeviceRules.isValidID(id) else { throw FieldError("id", "'\(id)' must be 1–128 letters, digits, '.', '_' or '-', starting with a letter or digit") }
        name = try r.string("name") ?? id
        metadata = allowMetadata ? try r.jsonObject("metadata") ?? .object([:]) : .object([:])
        settingsJSON = try r.jsonObject("settings") ?? .null
        settings = try DMSSettings(reading: settingsJSON, path: "settings")
        try r.finish()
    }

    public var record: DMSRecord {
        DMSRecord(
            id: id, name: name, settings: settingsJSON,
            preventiveDelta: settings.reenrollment.preventiveDelta.seconds, criticalDelta: settings.reenrollment.criticalDelta.seconds,
            metadata: metadata
        )
    }
}
