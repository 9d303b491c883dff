import Foundation

// Snake_case keys and defaults for optional members. Unknown keys are rejected separately
// by `StrictKeys`, because Codable silently ignores them.

extension IssuanceProfile {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case id, name, description, validity
        case signAsCA = "sign_as_ca"
        case honorKeyUsage = "honor_key_usage"
        case keyUsage = "key_usage"
        case honorExtendedKeyUsages = "honor_extended_key_usages"
        case extendedKeyUsages = "extended_key_usages"
        case honorSubject = "honor_subject"
        case subject
        case honorExtensions = "honor_extensions"
        case cryptoEnforcement = "crypto_enforcement"
        case requiredRole = "required_role"
        case ocspResponder = "ocsp_responder"
        case externalCA = "external_ca"
        case pathLength = "path_len"
        case nameConstraints = "name_constraints"
        case namePolicy = "name_policy"
        case allowSHA1CSRSignatures = "allow_sha1_csr_signatures"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        name = try c.decodeIfPresent(String.self, forKey: .name) ?? id
        description = try c.decodeIfPresent(String.self, forKey: .description) ?? ""
        validity = try c.decode(Validity.self, forKey: .validity)
        signAsCA = try c.decodeIfPresent(Bool.self, forKey: .signAsCA) ?? false
        honorKeyUsage = try c.decodeIfPresent(Bool.self, forKey: .honorKeyUsage) ?? false
        keyUsage = try c.decodeIfPresent(KeyUsageFlags.self, forKey: .keyUsage) ?? KeyUsageFlags()
        honorExtendedKeyUsages = try c.decodeIfPresent(Bool.self, forKey: .honorExtendedKeyUsages) ?? false
        extendedKeyUsages = try c.decodeIfPresent([ExtendedKeyUsageName].self, forKey: .extendedKeyUsages) ?? []
        honorSubject = try c.decodeIfPresent(Bool.self, forKey: .honorSubject) ?? false
        // Without a subject, a profile that does not honour the CSR's still names the device
        // as the request does; the stored document shows this template.
        subject = try c.decodeIfPresent(SubjectTemplate.self, forKey: .subject) ?? (honorSubject ? SubjectTemplate() : .requestCommonName)
        honorExtensions = try c.decodeIfPresent(Bool.self, forKey: .honorExtensions) ?? false
        cryptoEnforcement = try c.decodeIfPresent(CryptoEnforcement.self, forKey: .cryptoEnforcement) ?? CryptoEnforcement()
        requiredRole = try c.decodeIfPresent(RequiredRole.self, forKey: .requiredRole) ?? .operator
        ocspResponder = try c.decodeIfPresent(Bool.self, forKey: .ocspResponder) ?? false
        externalCA = try c.decodeIfPresent(Bool.self, forKey: .externalCA) ?? false
        pathLength = try c.decodeIfPresent(Int.self, forKey: .pathLength)
        nameConstraints = try c.decodeIfPresent(NameConstraintsTemplate.self, forKey: .nameConstraints)
        namePolicy = try c.decodeIfPresent(NamePolicy.self, forKey: .namePolicy)
        allowSHA1CSRSignatures = try c.decodeIfPresent(Bool.self, forKey: .allowSHA1CSRSignatures) ?? false
    }
}

extension IssuanceProfile.KeyUsageFlags {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case digitalSignature = "digital_signature"
        case keyEncipherment = "key_encipherment"
        case contentCommitment = "content_commitment"
        case dataEncipherment = "data_encipherment"
        case keyAgreement = "key_agreement"
        case certSign = "cert_sign"
        case crlSign = "crl_sign"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        digitalSignature = try c.decodeIfPresent(Bool.self, forKey: .digitalSignature) ?? false
        keyEncipherment = try c.decodeIfPresent(Bool.self, forKey: .keyEncipherment) ?? false
        contentCommitment = try c.decodeIfPresent(Bool.self, forKey: .contentCommitment) ?? false
        dataEncipherment = try c.decodeIfPresent(Bool.self, forKey: .dataEncipherment) ?? false
        keyAgreement = try c.decodeIfPresent(Bool.self, forKey: .keyAgreement) ?? false
        certSign = try c.decodeIfPresent(Bool.self, forKey: .certSign) ?? false
        crlSign = try c.decodeIfPresent(Bool.self, forKey: .crlSign) ?? false
    }
}

extension IssuanceProfile.SubjectTemplate {
    /// `common_name: "{csr.common_name}"`: the default of a profile that does not honour the CSR subject.
    public static var requestCommonName: Self {
        var template = Self()
        template.commonName = "{csr.common_name}"
        return template
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case commonName = "common_name"
        case organization
        case organizationUnit = "organization_unit"
        case country, state, locality
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        commonName = try c.decodeIfPresent(String.self, forKey: .commonName) ?? ""
        organization = try c.decodeIfPresent(String.self, forKey: .organization) ?? ""
        organizationUnit = try c.decodeIfPresent(String.self, forKey: .organizationUnit) ?? ""
        country = try c.decodeIfPresent(String.self, forKey: .country) ?? ""
        state = try c.decodeIfPresent(String.self, forKey: .state) ?? ""
        locality = try c.decodeIfPresent(String.self, forKey: .locality) ?? ""
    }
}

extension IssuanceProfile.CryptoEnforcement {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case enabled
        case allowRSAKeys = "allow_rsa_keys"
        case allowedRSAKeySizes = "allowed_rsa_key_sizes"
        case allowECDSAKeys = "allow_ecdsa_keys"
        case allowedECDSAKeySizes = "allowed_ecdsa_key_sizes"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        enabled = try c.decodeIfPresent(Bool.self, forKey: .enabled) ?? false
        allowRSAKeys = try c.decodeIfPresent(Bool.self, forKey: .allowRSAKeys) ?? true
        allowedRSAKeySizes = try c.decodeIfPresent([Int].self, forKey: .allowedRSAKeySizes) ?? []
        allowECDSAKeys = try c.decodeIfPresent(Bool.self, forKey: .allowECDSAKeys) ?? true
        allowedECDSAKeySizes = try c.decodeIfPresent([Int].self, forKey: .allowedECDSAKeySizes) ?? []
    }
}

extension IssuanceProfile.Validity {
    enum CodingKeys: String, CodingKey, CaseIterable { case type, duration, time }
}
