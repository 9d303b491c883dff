import Crypto
import Foundation

extension IssuanceProfile {
    /// Decodes a profile document strictly: malformed JSON, unknown fields, wrong types and
    /// impossible values are errors that name the field.
    public static func decode(_ data: Data) throws -> IssuanceProfile {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw ProfileError.malformedJSON("\(error.localizedDescription)")
        }
        guard object is [String: Any] else { throw ProfileError.malformedJSON("the document is not a JSON object") }
        if let unknown = StrictKeys.firstUnknown(in: object, shape: shape) { throw ProfileError.unknownField(unknown) }
        let profile: IssuanceProfile
        do {
            profile = try JSONDecoder().decode(IssuanceProfile.self, from: data)
        } catch let DecodingError.keyNotFound(key, context) {
            throw ProfileError.invalid(field: path(context.codingPath + [key]), reason: "is required")
        } catch let DecodingError.typeMismatch(type, context) {
            throw ProfileError.invalid(field: path(context.codingPath), reason: "expected \(type)")
        } catch let DecodingError.dataCorrupted(context) {
            throw ProfileError.invalid(field: path(context.codingPath), reason: context.debugDescription)
        } catch let DecodingError.valueNotFound(_, context) {
            throw ProfileError.invalid(field: path(context.codingPath), reason: "must not be null")
        }
        try profile.validate()
        return profile
    }

    private static func path(_ keys: [any CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
    }

    /// Checks the values that JSON types cannot express.
    public func validate() throws {
        func invalid(_ field: String, _ reason: String) -> ProfileError { .invalid(field: field, reason: reason) }
        guard Identifier.isValid(id) else { throw invalid("id", "must be \(Identifier.rule)") }
        switch validity.type {
        case .duration:
            guard let text = validity.duration else { throw invalid("validity.duration", "is required when type is Duration") }
            do { _ = try DurationText.seconds(text) } catch let error as DurationError { throw invalid("validity.duration", error.description) }
        case .time:
            guard let text = validity.time else { throw invalid("validity.time", "is required when type is Time") }
            guard RFC3339.date(text) != nil else { throw invalid("validity.time", "'\(text)' is not an RFC 3339 time") }
        }
        if signAsCA && !keyUsage.certSign { throw invalid("key_usage.cert_sign", "must be true when sign_as_ca is true") }
        if !signAsCA && (keyUsage.certSign || keyUsage.crlSign) {
            throw invalid("key_usage", "cert_sign and crl_sign require sign_as_ca")
        }
        if !subject.country.isEmpty && (subject.country.count != 2 || !subject.country.allSatisfy({ $0.isASCII && $0.isUppercase })) {
            throw invalid("subject.country", "must be a two-letter ISO 3166 code in capitals")
        }
        // RFC 5280 upper bounds: a template value beyond them could never be signed.
        for (field, value, bound) in [("common_name", subject.commonName, 64), ("organization", subject.organization, 64), ("organization_unit", subject.organizationUnit, 64),
                                      ("state", subject.state, 128), ("locality", subject.locality, 128)] where value.unicodeScalars.count > bound {
            throw invalid("subject.\(field)", "has \(value.unicodeScalars.count) characters; RFC 5280 allows at most \(bound)")
        }
        for (field, value) in subject.fields {
            do {
                let text = try SubjectTemplateText(value)
                if field == "country" && text.hasHoles { throw invalid("subject.country", "is a fixed code; it cannot take a hole") }
            } catch let error as SubjectTemplateError {
                throw invalid("subject.\(field)", error.description)
            }
        }
        if !honorSubject && subject.fields.isEmpty {
            throw invalid("subject", "is empty and honor_subject is false, so certificates would have an empty subject; name the device with a hole, e.g. \"common_name\": \"{csr.common_name}\" or \"{device_id}\"")
        }
        if let control = [subject.commonName, subject.organization, subject.organizationUnit, subject.state, subject.locality].joined().unicodeScalars.first(where: { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) }) {
            throw invalid("subject", "holds the control character U+\(String(control.value, radix: 16, uppercase: true))")
        }
        try cryptoEnforcement.validate()
        try validateGateFields()
    }

    /// The fields that decide what kind of certificate a profile may make at all. Each one
    /// that could not act under the rest of the profile is refused here, at write time.
    private func validateGateFields() throws {
        func invalid(_ field: String, _ reason: String) -> ProfileError { .invalid(field: field, reason: reason) }
        if honorExtendedKeyUsages && extendedKeyUsages.isEmpty {
            throw invalid("extended_key_usages", "is empty while honor_extended_key_usages is true; requested EKUs are honoured only from this list")
        }
        if ocspResponder {
            guard !signAsCA else { throw invalid("ocsp_responder", "cannot be combined with sign_as_ca") }
            guard extendedKeyUsages == [.ocspSigning] else { throw invalid("extended_key_usages", "must be exactly [\"ocspSigning\"] in an ocsp_responder profile") }
        } else if extendedKeyUsages.contains(.ocspSigning) {
            throw invalid("extended_key_usages", "ocspSigning is granted only by an ocsp_responder profile (used by the delegated-responder path alone)")
        }
        if externalCA && !signAsCA { throw invalid("external_ca", "requires sign_as_ca") }
        if let pathLength {
            guard signAsCA else { throw invalid("path_len", "requires sign_as_ca") }
            guard (0...16).contains(pathLength) else { throw invalid("path_len", "must be 0...16") }
        }
        if let nameConstraints {
            guard signAsCA else { throw invalid("name_constraints", "requires sign_as_ca: only CA certificates carry nameConstraints") }
            try nameConstraints.validate()
        }
        if let namePolicy {
            guard !signAsCA else { throw invalid("name_policy", "applies to end-entity profiles; CA profiles use name_constraints") }
            guard honorExtensions else { throw invalid("name_policy", "requires honor_extensions: without it no subjectAltName is taken from a request") }
            try namePolicy.validate()
        }
    }

    /// A hash of the profile's canonical JSON: certificates record the exact version they were issued under.
    public var versionHash: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let canonical = (try? encoder.encode(self)) ?? Data()
        return SHA256.hash(data: canonical).lowercaseHex
    }
}

extension IssuanceProfile.CryptoEnforcement {
    func validate() throws {
        guard enabled else { return }
        if !allowRSAKeys && !allowECDSAKeys {
            throw ProfileError.invalid(field: "crypto_enforcement", reason: "allows neither RSA nor ECDSA keys: nothing could be issued")
        }
        if allowRSAKeys {
            if allowedRSAKeySizes.isEmpty {
                throw ProfileError.invalid(field: "crypto_enforcement.allowed_rsa_key_sizes", reason: "is empty while RSA keys are allowed")
            }
            if let weak = allowedRSAKeySizes.first(where: { $0 < CryptoBaseline.minimumRSABits || $0 > 16384 }) {
                throw ProfileError.invalid(field: "crypto_enforcement.allowed_rsa_key_sizes", reason: "\(weak) is outside 2048...16384 bits")
            }
        }
        if allowECDSAKeys {
            if allowedECDSAKeySizes.isEmpty {
                throw ProfileError.invalid(field: "crypto_enforcement.allowed_ecdsa_key_sizes", reason: "is empty while ECDSA keys are allowed")
            }
            if let odd = allowedECDSAKeySizes.first(where: { !CryptoBaseline.ecdsaSizes.contains($0) }) {
                throw ProfileError.invalid(field: "crypto_enforcement.allowed_ecdsa_key_sizes", reason: "\(odd) is not one of 256, 384, 521")
            }
        }
    }
}

