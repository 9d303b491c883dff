import Foundation

/// Rejects JSON object keys a schema does not name, because `Codable` ignores them silently
/// and a misspelled `honor_subjct` must not quietly fall back to a default.
struct StrictKeys {
    indirect enum Shape {
        case object([String: Shape])
        case leaf
    }

    /// The first unknown key's dotted path, or nil.
    static func firstUnknown(in value: Any, shape: Shape, path: String = "") -> String? {
        guard case .object(let members) = shape, let object = value as? [String: Any] else { return nil }
        for key in object.keys.sorted() {
            let keyPath = path.isEmpty ? key : "\(path).\(key)"
            guard let member = members[key] else { return keyPath }
            if let nested = firstUnknown(in: object[key]!, shape: member, path: keyPath) { return nested }
        }
        return nil
    }
}

extension IssuanceProfile {
    static let shape: StrictKeys.Shape = {
        func leaves<K: CaseIterable & RawRepresentable>(_: K.Type) -> StrictKeys.Shape where K.RawValue == String {
            .object(Dictionary(uniqueKeysWithValues: K.allCases.map { ($0.rawValue, StrictKeys.Shape.leaf) }))
        }
        var top = Dictionary(uniqueKeysWithValues: CodingKeys.allCases.map { ($0.rawValue, StrictKeys.Shape.leaf) })
        top[CodingKeys.validity.rawValue] = leaves(Validity.CodingKeys.self)
        top[CodingKeys.keyUsage.rawValue] = leaves(KeyUsageFlags.CodingKeys.self)
        top[CodingKeys.subject.rawValue] = leaves(SubjectTemplate.CodingKeys.self)
        top[CodingKeys.cryptoEnforcement.rawValue] = leaves(CryptoEnforcement.CodingKeys.self)
        top[CodingKeys.nameConstraints.rawValue] = leaves(NameConstraintsTemplate.CodingKeys.self)
        top[CodingKeys.namePolicy.rawValue] = leaves(NamePolicy.CodingKeys.self)
        return .object(top)
    }()
}
