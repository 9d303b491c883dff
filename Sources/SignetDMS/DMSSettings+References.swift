import Foundation
import SignetCore

extension DMSSettings {
    /// Checks that everything the settings name exists and fits, field by field: the
    /// issuance profile (not a CA or responder profile, usable without a role, and allowing a
    /// server-generated key), the enrollment CA (active, with a key, naming the profile among
    /// those it issues with), every CA listed for validation or distribution, and the system
    /// CA bundle when the settings distribute it (`systemCAsAvailable`: the writer's
    /// configuration has one; without it `include_system_ca` could not act).
    public func checkReferences(cas: any CAStore, profiles: any ProfileStore, systemCAsAvailable: Bool, path: String = "settings") async throws {
        func invalid(_ field: String, _ message: String) -> FieldError { FieldError("\(path).\(field)", message, kind: .invalid) }

        if caDistribution.includeSystemCA && !systemCAsAvailable {
            throw invalid("ca_distribution_settings.include_system_ca", "is true, but no system_ca_bundle (SIGNET_SYSTEM_CA_BUNDLE) is configured to distribute; configure one or set it to false")
        }

        guard let profile = try await profiles.profile(id: issuanceProfileID)?.profile else {
            throw invalid("issuance_profile_id", "no issuance profile '\(issuanceProfileID)'")
        }
        guard !profile.signAsCA else {
            throw invalid("issuance_profile_id", "profile '\(issuanceProfileID)' has sign_as_ca: devices must not get CA certificates")
        }
        guard !profile.ocspResponder else {
            throw invalid("issuance_profile_id", "profile '\(issuanceProfileID)' is for delegated OCSP responders, which devices must not get")
        }
        guard profile.requiredRole == .operator else {
            // Devices hold no role: the gate would refuse every enrollment.
            throw invalid("issuance_profile_id", "profile '\(issuanceProfileID)' requires the \(profile.requiredRole.rawValue) role, which enrolling devices never hold")
        }
        if serverKeygen.enabled, let kind = serverKeygen.keyKind, let violation = profile.cryptoEnforcement.violation(kind) {
            throw invalid("server_keygen_settings.key_type", "profile '\(issuanceProfileID)' would refuse the generated key: \(violation.detail)")
        }
        guard let ca = try await cas.ca(id: enrollment.enrollmentCA) else {
            throw invalid("enrollment_settings.enrollment_ca", "no CA '\(enrollment.enrollmentCA)'")
        }
        guard ca.status == .active, ca.keyURI != nil else {
            throw invalid("enrollment_settings.enrollment_ca", "CA '\(ca.id)' cannot sign (\(ca.keyURI == nil ? "imported without a key" : ca.status.rawValue))")
        }
        guard ca.allowedProfiles.contains(issuanceProfileID) else {
            throw invalid("issuance_profile_id", "the enrollment CA '\(ca.id)' does not issue with profile '\(issuanceProfileID)'; it allows \(ca.allowedProfiles)")
        }
        let lists: [(String, [String])] = [
            ("enrollment_settings.est_rfc7030_settings.client_certificate_settings.validation_cas", enrollment.est.clientCertificate?.validationCAs ?? []),
            ("reenrollment_settings.additional_validation_cas", reenrollment.additionalValidationCAs),
            ("ca_distribution_settings.managed_cas", caDistribution.managedCAs),
        ]
        for (field, ids) in lists {
            for (index, id) in ids.enumerated() {
                guard let listed = try await cas.ca(id: id), listed.status != .deleted else {
                    throw invalid("\(field)[\(index)]", "no CA '\(id)'")
                }
            }
        }
    }
}

extension ServerKeygenSettings {
    /// The key the server would generate, as the profile rules see it.
    public var keyKind: PublicKeyKind? {
        switch (keyType?.uppercased(), keySize) {
        case ("ECDSA", 256): .ecdsa(curve: .p256)
        case ("ECDSA", 384): .ecdsa(curve: .p384)
        case ("RSA", let bits?): .rsa(bits: bits)
        default: nil
        }
    }
}
