import Foundation
import SignetQuery
import SignetStore

/// What a device registration must look like. The id becomes the common name that
/// enrollment binds to, so it is restricted to characters that survive every encoding on
/// the way (URLs, CSV, a certificate subject).
public enum DeviceRules {
    public static let maximumTags = 32

    public static func isValidID(_ id: String) -> Bool {
        guard let first = id.unicodeScalars.first, id.unicodeScalars.count <= 128, isAlphanumeric(first) else { return false }
        return id.unicodeScalars.allSatisfy { isAlphanumeric($0) || ".-_:@".unicodeScalars.contains($0) }
    }

    public static func isValidSlotName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, name.unicodeScalars.count <= 64, isLowerAlphanumeric(first) else { return false }
        return name.unicodeScalars.allSatisfy { isLowerAlphanumeric($0) || "._-".unicodeScalars.contains($0) }
    }

    static func isLowerAlphanumeric(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar)
    }

    /// Tags are matched exactly; commas are excluded because `in` filters list values with them.
    static func checkTag(_ tag: String, field: String) throws {
        guard !tag.isEmpty, tag.count <= 64, !tag.contains(","), !tag.contains(";"), tag.trimmingCharacters(in: .whitespaces) == tag else {
            throw FieldError(field, "tag '\(tag)' must be 1–64 characters without ',' or ';' or surrounding spaces")
        }
    }

    static func isAlphanumeric(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
    }

    /// A registration checked field by field: `{"id", "dms_owner", "tags", "metadata", "group"}`.
    public static func registration(_ value: JSONValue) throws -> NewDevice {
        var r = try FieldReader(value, path: "")
        let id = try r.requiredString("id")
        let owner = try r.requiredString("dms_owner")
        let tags = try r.strings("tags")
        let metadata = try r.jsonObject("metadata") ?? .object([:])
        let group = try r.string("group")
        try r.finish()
        return try checked(NewDevice(id: id, dmsOwner: owner, group: group, tags: tags, metadata: metadata))
    }

    static func checked(_ device: NewDevice) throws -> NewDevice {
        guard isValidID(device.id) else {
            throw FieldError("id", "'\(device.id)' must be 1–128 letters, digits, '.', '_', '-', ':' or '@', starting with a letter or digit")
        }
        try checkTags(device.tags)
        if let group = device.group { try checkGroup(group) }
        try checkMetadata(device.metadata)
        return device
    }

    static func checkTags(_ tags: [String]) throws {
        guard tags.count <= maximumTags else { throw FieldError("tags", "at most \(maximumTags) tags") }
        for (index, tag) in tags.enumerated() { try checkTag(tag, field: "tags[\(index)]") }
        guard Set(tags).count == tags.count else { throw FieldError("tags", "lists a tag twice") }
    }

    static func checkGroup(_ group: String) throws {
        guard isValidID(group) else { throw FieldError("group", "'\(group)' must be 1–128 letters, digits, '.', '_', '-', ':' or '@'") }
    }

    /// The 64 KiB bound every metadata edit keeps, here for metadata written whole.
    static func checkMetadata(_ metadata: JSONValue, field: String = "metadata") throws {
        let size = metadata.encoded().count
        guard size <= Catalog.maximumMetadataBytes else {
            throw FieldError(field, "is \(size) bytes; metadata is limited to \(Catalog.maximumMetadataBytes) bytes (64 KiB)", kind: .invalid)
        }
    }

    /// A change to a registered device, checked field by field:
    /// `{"tags", "metadata", "group", "dms_owner"}`, each replacing the device's value
    /// (`"group": null` takes it out of its group). At least one must be given.
    public static func change(_ value: JSONValue) throws -> DeviceChange {
        var r = try FieldReader(value, path: "")
        guard !r.isEmpty else { throw FieldError("body", "changes nothing: give tags, metadata, group or dms_owner") }
        var change = DeviceChange()
        if r.isPresent("tags") {
            guard case .object(let members) = value, case .array? = members["tags"] else { throw FieldError("tags", "must be a list of strings") }
            let tags = try r.strings("tags")
            try checkTags(tags)
            change.tags = tags
        }
        if r.isPresent("metadata") {
            guard let metadata = try r.jsonObject("metadata") else { throw FieldError("metadata", "must be a JSON object") }
            try checkMetadata(metadata)
            change.metadata = metadata
        }
        if r.isPresent("group") {
            let group = try r.string("group")
            if let group { try checkGroup(group) }
            change.group = .some(group)
        }
        if r.isPresent("dms_owner") {
            change.dmsOwner = try r.requiredString("dms_owner")
        }
        try r.finish()
        return change
    }
}
