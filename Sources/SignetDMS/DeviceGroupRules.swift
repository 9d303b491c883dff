import Foundation
import SignetQuery
import SignetStore

/// A device group as clients write it: `{"id", "name", "description", "parent_id", "criteria": ["tags[eq]line-3", …]}`.
/// Every criterion must be a filter the devices list accepts, so membership is always computable.
public enum DeviceGroupRules {
    public static func group(_ value: JSONValue, urlID: String? = nil) throws -> DeviceGroupRecord {
        var r = try FieldReader(value, path: "")
        let written = try r.string("id")
        if let written, let urlID, written != urlID { throw FieldError("id", "'\(written)' does not match the URL's '\(urlID)'") }
        guard let id = written ?? urlID else { throw FieldError("id", "is required") }
        guard DeviceRules.isValidID(id), !id.contains(":"), !id.contains("@") else {
            throw FieldError("id", "'\(id)' must be 1–128 letters, digits, '.', '_' or '-', starting with a letter or digit")
        }
        let name = try r.string("name") ?? id
        let description = try r.string("description") ?? ""
        let parent = try r.string("parent_id")
        if parent == id { throw FieldError("parent_id", "a group cannot be its own parent") }
        let criteria = try r.strings("criteria")
        for (index, criterion) in criteria.enumerated() {
            do { _ = try Filter(parsing: criterion, schema: Schemas.devices) } catch {
                throw FieldError("criteria[\(index)]", "\(error)")
            }
        }
        try r.finish()
        return DeviceGroupRecord(id: id, name: name, description: description, parentID: parent, criteria: criteria)
    }
}
