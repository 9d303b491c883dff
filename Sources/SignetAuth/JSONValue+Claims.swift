import Foundation
import SignetQuery

/// Token claims and JWKS entries are open-ended objects whose shape is checked by hand:
/// the shared `JSONValue` tree keeps `true` and `1` apart, which `JSONSerialization`'s
/// `Any` does not on every platform.
extension JSONValue {
    /// Parses `data` and insists on a top-level object, as JWS headers, claim sets and JWKS are.
    static func parseObject(_ data: Data) -> [String: JSONValue]? {
        guard case .object(let members)? = try? JSONValue(parsing: data) else { return nil }
        return members
    }

    var stringValue: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    var numberValue: Double? {
        if case .number(let number) = self { return number }
        return nil
    }
}
