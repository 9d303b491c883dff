import Foundation
import SignetQuery

extension DMSSettings {
    /// The effective settings, every default filled in, in the shape they are read in: what
    /// is stored and shown, so that a reader sees what Signet will do, not only what was
    /// written. Reading it back gives the same settings.
    public var json: JSONValue {
        .object([
            "issuance_profile_id": .string(issuanceProfileID),
            "enrollment_settings": enrollment.json,
            "reenrollment_settings": reenrollment.json,
            "server_keygen_settings": serverKeygen.json,
            "ca_distribution_settings": .object([
                "include_system_ca": .bool(caDistribution.includeSystemCA),
                "include_enrollment_ca": .bool(caDistribution.includeEnrollmentCA),
                "managed_cas": .strings(caDistribution.managedCAs),
            ]),
            "device_settings": .object(["require_group": .bool(device.requireGroup)]),
        ])
    }
}

extension EnrollmentSettings {
    var json: JSONValue {
        var est: [String: JSONValue] = ["auth_mode": .string(self.est.authMode.rawValue)]
        if let certificate = self.est.clientCertificate {
            est["client_certificate_settings"] = .object([
                "validation_cas": .strings(certificate.validationCAs),
                "chain_level_validation": .number(Double(certificate.chainLevelValidation)),
                "allow_expired": .bool(certificate.allowExpired),
                "allow_unknown_revocation_status": .bool(certificate.allowUnknownRevocationStatus),
            ])
        }
        if let passcode = self.est.passcode {
            est["passcode_settings"] = .object(["usage_limit": .number(Double(passcode.usageLimit)), "validity": .string(passcode.validity.text)])
        }
        if let webhook = self.est.webhook {
            est["webhook_settings"] = .object(["url": .string(webhook.url), "timeout": .string(webhook.timeout.text)])
        }
        return .object([
            "protocol": .string(enrollmentProtocol.rawValue),
            "enrollment_ca": .string(enrollmentCA),
            "registration_mode": .string(registrationMode.rawValue),
            "verify_csr_signature": .bool(verifyCSRSignature),
            "enable_replaceable_enrollment": .bool(enableReplaceableEnrollment),
            "est_rfc7030_settings": .object(est),
        ])
    }
}

extension ReenrollmentSettings {
    var json: JSONValue {
        var object: [String: JSONValue] = [
            "reenrollment_delta": .string(reenrollmentDelta.text),
            "preventive_delta": .string(preventiveDelta.text),
            "critical_delta": .string(criticalDelta.text),
            "enable_expired_renewal": .bool(enableExpiredRenewal),
            "revoke_on_reenrollment": .bool(revokeOnReenrollment),
            "additional_validation_cas": .strings(additionalValidationCAs),
            "key_policy": .string(keyPolicy.rawValue),
        ]
        if let grace = expiredRenewalGrace { object["expired_renewal_grace"] = .string(grace.text) }
        return .object(object)
    }
}

extension ServerKeygenSettings {
    var json: JSONValue {
        var object: [String: JSONValue] = ["enabled": .bool(enabled), "require_encryption": .bool(requireEncryption)]
        if let keyType { object["key_type"] = .string(keyType) }
        if let keySize { object["key_size"] = .number(Double(keySize)) }
        return .object(object)
    }
}

extension JSONValue {
    static func strings(_ values: [String]) -> JSONValue { .array(values.map { .string($0) }) }
}
