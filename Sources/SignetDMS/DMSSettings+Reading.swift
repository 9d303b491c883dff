import Foundation
import SignetCore
import SignetQuery

extension DMSSettings {
    /// Longest grace after expiry in which a device may still renew.
    public static let maximumExpiredRenewalGrace: TimeInterval = 90 * 86_400
    /// Bounds of a webhook's timeout: enrollment waits for it.
    public static let webhookTimeoutRange: ClosedRange<TimeInterval> = 1...30

    /// Reads `settings` strictly and checks everything that needs no other record:
    /// durations, windows (critical ≤ preventive), the settings each auth mode needs.
    public init(reading value: JSONValue?, path: String = "settings") throws {
        var r = try FieldReader(value, path: path)
        issuanceProfileID = try r.requiredString("issuance_profile_id")
        var e = try r.requiredObject("enrollment_settings")
        enrollment = try EnrollmentSettings(&e)
        try e.finish()
        var re = try r.requiredObject("reenrollment_settings")
        reenrollment = try ReenrollmentSettings(&re)
        try re.finish()
        var keygen = try r.object("server_keygen_settings")
        serverKeygen = try ServerKeygenSettings(&keygen)
        try keygen?.finish()
        var distribution = try r.object("ca_distribution_settings")
        caDistribution = try CADistributionSettings(&distribution)
        try distribution?.finish()
        var devices = try r.object("device_settings")
        device = try DeviceSettings(&devices)
        try devices?.finish()
        if device.requireGroup, enrollment.registrationMode == .jitp {
            // A JITP device registers itself at its first enrollment, with nothing but its id.
            throw FieldError(r.field("device_settings.require_group"), "needs registration_mode PRE_REGISTRATION: devices enrolling just in time register themselves without a group")
        }
        try r.finish()
    }
}

extension FieldReader {
    mutating func duration(_ key: String) throws -> DMSDuration? {
        guard let text = try string(key) else { return nil }
        do { return DMSDuration(text: text, seconds: try DurationText.seconds(text)) } catch let error as DurationError {
            throw FieldError(field(key), error.reason + " (durations are like 720h, 30d, 1h30m)")
        }
    }

    mutating func requiredDuration(_ key: String) throws -> DMSDuration {
        guard let duration = try duration(key) else { throw FieldError(field(key), "is required") }
        return duration
    }
}

extension EnrollmentSettings {
    init(_ r: inout FieldReader) throws {
        enrollmentProtocol = try r.choice("protocol", EnrollmentProtocol.self) ?? .estRFC7030
        enrollmentCA = try r.requiredString("enrollment_ca")
        guard let mode = try r.choice("registration_mode", RegistrationMode.self) else { throw FieldError(r.field("registration_mode"), "is required") }
        registrationMode = mode
        verifyCSRSignature = try r.bool("verify_csr_signature", default: true)
        guard verifyCSRSignature else {
            // The gate checks every CSR's proof of possession; a setting that says otherwise
            // could not act, so it is refused rather than silently ignored.
            throw FieldError(r.field("verify_csr_signature"), "must be true: Signet verifies every CSR's proof of possession")
        }
        enableReplaceableEnrollment = try r.bool("enable_replaceable_enrollment", default: false)
        if var est = try r.object("est_rfc7030_settings") {
            self.est = try ESTSettings(&est)
            try est.finish()
        } else {
            // Documented default: devices present a certificate that chains to the enrollment CA.
            self.est = ESTSettings(
                authMode: .clientCertificate,
                clientCertificate: ClientCertificateSettings(validationCAs: [enrollmentCA], chainLevelValidation: -1, allowExpired: false, allowUnknownRevocationStatus: false),
                passcode: nil, webhook: nil
            )
        }
    }
}

extension ESTSettings {
    init(_ r: inout FieldReader) throws {
        guard let mode = try r.choice("auth_mode", AuthMode.self) else { throw FieldError(r.field("auth_mode"), "is required") }
        authMode = mode
        if var c = try r.object("client_certificate_settings") {
            let cas = try c.strings("validation_cas")
            let level = try c.int("chain_level_validation") ?? -1
            guard level >= -1 else { throw FieldError(c.field("chain_level_validation"), "must be -1 (the whole chain) or a number of levels") }
            clientCertificate = ClientCertificateSettings(
                validationCAs: cas, chainLevelValidation: level, allowExpired: try c.bool("allow_expired", default: false),
                allowUnknownRevocationStatus: try c.bool("allow_unknown_revocation_status", default: false)
            )
            try c.finish()
        }
        if var p = try r.object("passcode_settings") {
            let limit = try p.int("usage_limit") ?? 1
            guard limit >= 1 else { throw FieldError(p.field("usage_limit"), "must be at least 1") }
            passcode = PasscodeSettings(usageLimit: limit, validity: try p.requiredDuration("validity"))
            try p.finish()
        }
        if var w = try r.object("webhook_settings") {
            let url = try w.requiredString("url")
            guard let parsed = URL(string: url), parsed.scheme == "https", parsed.host != nil else {
                throw FieldError(w.field("url"), "must be an https URL")
            }
            let timeout = try w.duration("timeout") ?? DMSDuration(text: "5s", seconds: 5)
            guard DMSSettings.webhookTimeoutRange.contains(timeout.seconds) else {
                throw FieldError(w.field("timeout"), "must be between 1s and 30s: enrollment waits for the webhook")
            }
            webhook = WebhookSettings(url: url, timeout: timeout)
            try w.finish()
        }
        let needsCertificate = authMode == .clientCertificate || authMode == .clientCertificateAndExternalWebhook
        let needsWebhook = authMode == .externalWebhook || authMode == .clientCertificateAndExternalWebhook
        if needsCertificate && (clientCertificate?.validationCAs.isEmpty ?? true) {
            throw FieldError(r.field("client_certificate_settings.validation_cas"), "auth_mode \(authMode.rawValue) needs at least one validation CA")
        }
        if authMode == .passcode && passcode == nil {
            throw FieldError(r.field("passcode_settings"), "auth_mode PASSCODE needs passcode settings")
        }
        if needsWebhook && webhook == nil {
            throw FieldError(r.field("webhook_settings"), "auth_mode \(authMode.rawValue) needs webhook settings")
        }
    }
}

extension ReenrollmentSettings {
    init(_ r: inout FieldReader) throws {
        reenrollmentDelta = try r.requiredDuration("reenrollment_delta")
        // Documented defaults: a device is RENEWAL_PENDING from the moment it may renew, and
        // EXPIRING_SOON in the last quarter of that window.
        preventiveDelta = try r.duration("preventive_delta") ?? reenrollmentDelta
        criticalDelta = try r.duration("critical_delta") ?? DMSDuration(seconds: (preventiveDelta.seconds / 4).rounded(.down))
        guard criticalDelta.seconds <= preventiveDelta.seconds else {
            throw FieldError(r.field("critical_delta"), "(\(criticalDelta)) must not be longer than preventive_delta (\(preventiveDelta))")
        }
        enableExpiredRenewal = try r.bool("enable_expired_renewal", default: false)
        expiredRenewalGrace = try r.duration("expired_renewal_grace")
        if enableExpiredRenewal {
            guard let grace = expiredRenewalGrace else {
                throw FieldError(r.field("expired_renewal_grace"), "is required when enable_expired_renewal is true")
            }
            guard grace.seconds <= DMSSettings.maximumExpiredRenewalGrace else {
                throw FieldError(r.field("expired_renewal_grace"), "must be at most 90d")
            }
        } else if expiredRenewalGrace != nil {
            throw FieldError(r.field("expired_renewal_grace"), "applies only with enable_expired_renewal")
        }
        revokeOnReenrollment = try r.bool("revoke_on_reenrollment", default: true)
        additionalValidationCAs = try r.strings("additional_validation_cas")
        // RFC 7030 4.2.2 lets a client renew with the same key, and deployed clients do;
        // NEW_KEY_REQUIRED is the opt-in.
        keyPolicy = try r.choice("key_policy", KeyPolicy.self) ?? .newKeyOptional
    }
}

extension ServerKeygenSettings {
    init(_ r: inout FieldReader?) throws {
        guard var reader = r else {
            self.init(enabled: false, keyType: nil, keySize: nil, requireEncryption: false)
            return
        }
        let enabled = try reader.bool("enabled", default: false)
        let keyType = try reader.string("key_type")
        let requireEncryption = try reader.bool("require_encryption", default: false)
        // A type without a size gets the type's usual size.
        let keySize = try reader.int("key_size") ?? (enabled ? ["ECDSA": 256, "RSA": 3072][keyType?.uppercased() ?? ""] : nil)
        if enabled {
            switch (keyType?.uppercased(), keySize) {
            case ("ECDSA", 256), ("ECDSA", 384), ("RSA", 2048), ("RSA", 3072), ("RSA", 4096): break
            default:
                throw FieldError(reader.field("key_type"), "server key generation needs key_type/key_size ECDSA 256 or 384, or RSA 2048, 3072 or 4096")
            }
        }
        r = reader
        self.init(enabled: enabled, keyType: keyType, keySize: keySize, requireEncryption: requireEncryption)
    }
}

extension CADistributionSettings {
    init(_ r: inout FieldReader?) throws {
        guard var reader = r else {
            self.init(includeSystemCA: false, includeEnrollmentCA: true, managedCAs: [])
            return
        }
        // Whether the server has a bundle to add is checked where the DMS is written (it is
        // the server's configuration, not the document's).
        let system = try reader.bool("include_system_ca", default: false)
        let enrollmentCA = try reader.bool("include_enrollment_ca", default: true)
        let managed = try reader.strings("managed_cas")
        guard enrollmentCA || system || !managed.isEmpty else {
            throw FieldError(reader.path, "distributes no CA: /cacerts would be empty and no device could learn whom to trust; include the enrollment CA, the system CAs or managed_cas")
        }
        r = reader
        self.init(includeSystemCA: system, includeEnrollmentCA: enrollmentCA, managedCAs: managed)
    }
}

extension DeviceSettings {
    init(_ r: inout FieldReader?) throws {
        guard var reader = r else {
            self.init()
            return
        }
        let requireGroup = try reader.bool("require_group", default: false)
        r = reader
        self.init(requireGroup: requireGroup)
    }
}
