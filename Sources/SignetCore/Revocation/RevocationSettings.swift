import Crypto
import Foundation

/// How long CRLs and OCSP responses are valid and how often they are renewed.
public struct RevocationSettings: Sendable, Hashable {
    /// nextUpdate − thisUpdate of a full CRL.
    public var crlValidity: TimeInterval = 24 * 3600
    /// A new full CRL is published this long after the last one (and with it a fresh delta).
    public var fullCRLInterval: TimeInterval = 3600
    /// A full CRL follows revocation changes once none has come for this long, so that a
    /// burst of changes shares one publication (most relying parties read only full CRLs).
    public var fullCRLDebounce: TimeInterval = 2
    /// The longest a revocation change waits for a full CRL that lists it, however long a
    /// burst goes on. The publication starts `fullCRLDebounce` before this, leaving that
    /// much for the publisher's pass and the signing.
    public var fullCRLMaxDelay: TimeInterval = 10
    /// nextUpdate − thisUpdate of a delta CRL; one is published after every revocation
    /// change and at half its validity.
    public var deltaCRLValidity: TimeInterval = 3600
    /// nextUpdate − thisUpdate of an OCSP response.
    public var ocspValidity: TimeInterval = 24 * 3600
    /// Pre-signed OCSP responses are signed again when less than this remains.
    public var ocspRefreshBefore: TimeInterval = 12 * 3600
    /// Whether request nonces are echoed (`ocsp_nonce`).
    public var ocspNonce: OCSPNoncePolicy = .ignore
    /// The most CertIDs one request may ask about (`ocsp_max_certids`); more is `malformedRequest`.
    public var ocspMaxCertIDs = 1
    /// Whether the gate signs a new certificate's first OCSP response (good) as it issues
    /// it, stored in the certificate's own commit (the server's `ocsp_presign`). Off, the
    /// first request for it signs one.
    public var ocspAtIssuance = false

    public init() {}

    /// The settings must leave no gap between a CRL's expiry and its successor.
    public func validate() throws {
        func positive(_ value: TimeInterval, _ name: String) throws {
            guard value >= 1 else { throw RevocationSettingsError("\(name) must be at least one second") }
        }
        try positive(crlValidity, "crl_validity")
        try positive(fullCRLInterval, "crl_full_interval")
        try positive(deltaCRLValidity, "delta_crl_validity")
        try positive(ocspValidity, "ocsp_validity")
        guard fullCRLInterval < crlValidity else {
            throw RevocationSettingsError("crl_full_interval must be shorter than crl_validity, or relying parties see an expired CRL")
        }
        try positive(fullCRLDebounce, "crl_full_debounce")
        guard fullCRLMaxDelay >= 2 * fullCRLDebounce else {
            throw RevocationSettingsError("crl_full_max_delay must be at least twice crl_full_debounce (the second half is for publishing), got \(fullCRLMaxDelay) s and \(fullCRLDebounce) s")
        }
        guard fullCRLMaxDelay <= fullCRLInterval else {
            throw RevocationSettingsError("crl_full_max_delay must not be longer than crl_full_interval, which already publishes that often")
        }
        guard ocspRefreshBefore > 0, ocspRefreshBefore < ocspValidity else {
            throw RevocationSettingsError("ocsp_refresh_before must be positive and shorter than ocsp_validity")
        }
        guard (1...OCSPRequestReader.maximumCertIDs).contains(ocspMaxCertIDs) else {
            throw RevocationSettingsError("ocsp_max_certids must be 1 to \(OCSPRequestReader.maximumCertIDs), got \(ocspMaxCertIDs)")
        }
    }

    /// Whether revocation changes that no full CRL lists yet make one due now: the newest is
    /// `fullCRLDebounce` old (the burst settled), or the oldest has waited so long that the
    /// publication must start to meet `fullCRLMaxDelay`. Ages are nil when nothing waits.
    public func fullCRLDue(oldestChangeAge: TimeInterval?, newestChangeAge: TimeInterval?) -> Bool {
        guard let oldestChangeAge, let newestChangeAge else { return false }
        return newestChangeAge >= fullCRLDebounce || oldestChangeAge >= fullCRLStartBy
    }

    /// How old the oldest unlisted change may get before a full CRL is started regardless.
    public var fullCRLStartBy: TimeInterval { fullCRLMaxDelay - fullCRLDebounce }

    /// Decisions made under these settings name them by this hash, as issuance decisions
    /// name a profile version.
    public var versionHash: String {
        let text = "crl_validity=\(crlValidity);crl_full_interval=\(fullCRLInterval);delta_crl_validity=\(deltaCRLValidity);ocsp_validity=\(ocspValidity);ocsp_refresh_before=\(ocspRefreshBefore);ocsp_nonce=\(ocspNonce.rawValue);ocsp_max_certids=\(ocspMaxCertIDs);crl_full_debounce=\(fullCRLDebounce);crl_full_max_delay=\(fullCRLMaxDelay)"
        return SHA256.hash(data: Array(text.utf8)).lowercaseHex
    }
}

public struct RevocationSettingsError: Error, CustomStringConvertible, Sendable {
    public let description: String
    init(_ description: String) { self.description = description }
}
