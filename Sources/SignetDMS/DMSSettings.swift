import Foundation

/// The enrollment policy for one population of devices, in the JSON shape users of the
/// seed system's DMS API know (snake_case, `settings.enrollment_settings…`).
public struct DMSSettings: Sendable, Hashable {
    public var issuanceProfileID: String
    public var enrollment: EnrollmentSettings
    public var reenrollment: ReenrollmentSettings
    public var serverKeygen: ServerKeygenSettings
    public var caDistribution: CADistributionSettings
    public var device: DeviceSettings
}

/// A duration as written (`720h`, `30d`) and what it means.
public struct DMSDuration: Sendable, Hashable, CustomStringConvertible {
    public let text: String
    public let seconds: TimeInterval
    public var description: String { text }

    public init(text: String, seconds: TimeInterval) {
        self.text = text
        self.seconds = seconds
    }

    /// A computed duration, written in whole hours where it has them.
    public init(seconds: TimeInterval) {
        self.seconds = seconds
        let whole = Int(seconds)
        text = whole % 3600 == 0 ? "\(whole / 3600)h" : "\(whole)s"
    }
}

public struct EnrollmentSettings: Sendable, Hashable {
    public enum EnrollmentProtocol: String, Sendable, CaseIterable { case estRFC7030 = "EST_RFC7030" }
    public enum RegistrationMode: String, Sendable, CaseIterable { case jitp = "JITP", preRegistration = "PRE_REGISTRATION" }

    public var enrollmentProtocol: EnrollmentProtocol
    public var enrollmentCA: String
    public var registrationMode: RegistrationMode
    public var verifyCSRSignature: Bool
    public var enableReplaceableEnrollment: Bool
    public var est: ESTSettings
}

/// How enrolling EST clients authenticate.
public struct ESTSettings: Sendable, Hashable {
    public enum AuthMode: String, Sendable, CaseIterable {
        case clientCertificate = "CLIENT_CERTIFICATE"
        case passcode = "PASSCODE"
        case externalWebhook = "EXTERNAL_WEBHOOK"
        case clientCertificateAndExternalWebhook = "CLIENT_CERTIFICATE_AND_EXTERNAL_WEBHOOK"
    }

    public var authMode: AuthMode
    public var clientCertificate: ClientCertificateSettings?
    public var passcode: PasscodeSettings?
    public var webhook: WebhookSettings?
}

public struct ClientCertificateSettings: Sendable, Hashable {
    /// CA ids a bootstrap certificate must chain to.
    public var validationCAs: [String]
    /// How many CAs above the bootstrap certificate to check; -1 for the whole chain.
    public var chainLevelValidation: Int
    public var allowExpired: Bool
    /// Whether a bootstrap certificate whose revocation Signet cannot know (its issuer was
    /// imported without its certificates) is accepted. Off: unknown means refused.
    public var allowUnknownRevocationStatus: Bool
}

/// One-time passcodes: each may be used `usageLimit` times within `validity` of its creation.
public struct PasscodeSettings: Sendable, Hashable {
    public var usageLimit: Int
    public var validity: DMSDuration
}

/// An external decision: Signet asks `url` and refuses when it does not answer in `timeout`
/// (fail closed).
public struct WebhookSettings: Sendable, Hashable {
    public var url: String
    public var timeout: DMSDuration
}

public struct ReenrollmentSettings: Sendable, Hashable {
    public enum KeyPolicy: String, Sendable, CaseIterable { case newKeyRequired = "NEW_KEY_REQUIRED", newKeyOptional = "NEW_KEY_OPTIONAL" }

    /// Renewal is allowed from notAfter − this on.
    public var reenrollmentDelta: DMSDuration
    /// Inside this before notAfter the device is RENEWAL_PENDING.
    public var preventiveDelta: DMSDuration
    /// Inside this before notAfter the device is EXPIRING_SOON.
    public var criticalDelta: DMSDuration
    public var enableExpiredRenewal: Bool
    /// How long after notAfter an expired certificate may still renew.
    public var expiredRenewalGrace: DMSDuration?
    public var revokeOnReenrollment: Bool
    public var additionalValidationCAs: [String]
    public var keyPolicy: KeyPolicy
}

public struct ServerKeygenSettings: Sendable, Hashable {
    public var enabled: Bool
    public var keyType: String?
    public var keySize: Int?
    /// Generated keys leave only encrypted for the client (RFC 7030 §4.4.1.2): a CSR that
    /// does not ask for that is refused rather than answered with a plaintext key.
    public var requireEncryption: Bool
}

public struct CADistributionSettings: Sendable, Hashable {
    public var includeSystemCA: Bool
    public var includeEnrollmentCA: Bool
    public var managedCAs: [String]
}

/// What a device registered under the DMS must carry (`settings.device_settings`).
public struct DeviceSettings: Sendable, Hashable {
    /// Every device is registered into exactly one existing device group: a registration
    /// (API or CSV row) without a group, or naming a group that does not exist, is refused.
    /// It binds registration and later moves; devices registered before it was turned on
    /// keep what they have until they are changed.
    public var requireGroup: Bool

    public init(requireGroup: Bool = false) {
        self.requireGroup = requireGroup
    }
}
