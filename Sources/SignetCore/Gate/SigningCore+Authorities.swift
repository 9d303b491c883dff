import Foundation
import SignetToken
import SwiftASN1
import X509

/// What a new CA should be. A nil `parentID` makes a root.
public struct CACreationRequest: Sendable {
    public var id: String
    public var subject: DistinguishedName
    /// The key the token generates; nil: the parent's key type, else the CA profile's
    /// (see ``SigningCore/defaultKeySpec(profile:parent:)``).
    public var keySpec: KeySpec?
    /// The `sign_as_ca` profile the CA's own certificate is issued under.
    public var profileID: String
    /// The default profile for certificates the new CA signs.
    public var issuanceProfileID: String
    public var parentID: String?
    public var requester: Requester
    /// A validity for this CA only; it may shorten the profile's, never extend it.
    public var validity: IssuanceProfile.Validity?
    /// The profiles the new CA may issue with; nil: its default issuance profile only.
    public var allowedProfiles: [String]?

    public init(id: String, subject: DistinguishedName, keySpec: KeySpec?, profileID: String, issuanceProfileID: String, parentID: String? = nil, requester: Requester) {
        self.id = id
        self.subject = subject
        self.keySpec = keySpec
        self.profileID = profileID
        self.issuanceProfileID = issuanceProfileID
        self.parentID = parentID
        self.requester = requester
    }
}

extension SigningCore {
    /// Creates a root (no parent) or subordinate CA: checks the request, generates the key in
    /// the token, has it signed through the gate (by itself or its parent), stores CA and certificate.
    public func createCA(_ request: CACreationRequest) async throws -> CARecord {
        var decision = DecisionDraft(action: request.parentID == nil ? .createRootCA : .createSubordinateCA, caID: request.id, requester: request.requester)
        var log = RuleLog()
        do {
            try checkAdministrator(request.requester, action: "creating a CA", log: &log)
            try await checkNewCAID(request.id, log: &log)
            let profile = try await profile(request.profileID, purpose: "the CA certificate", log: &log)
            decision.profile = profile
            guard profile.profile.signAsCA else {
                throw log.fail("profile.sign_as_ca", "profile '\(profile.profile.id)' does not have sign_as_ca and cannot issue a CA certificate")
            }
            var effective = try effectiveProfile(profile.profile, validity: request.validity, log: &log)
            let allowedProfiles = try await checkAllowedProfiles(request.allowedProfiles, default: request.issuanceProfileID, log: &log)
            var parent: SigningCA?
            if let parentID = request.parentID {
                let signingParent = try await signingCA(parentID, log: &log)
                try checkAllowed(profile.profile.id, by: signingParent.record, log: &log)
                effective.pathLength = try pathLength(effective.pathLength, under: signingParent.certificate, log: &log)
                parent = signingParent
            }
            let keySpec = request.keySpec ?? defaultKeySpec(profile: profile.profile, parent: parent?.certificate, log: &log)
            let keyKind = keySpec.publicKeyKind
            if let violation = CryptoBaseline.violation(keyKind) ?? profile.profile.cryptoEnforcement.violation(keyKind).map(\.detail) {
                throw log.fail("crypto_enforcement", violation)
            }
            return try await withNewTokenKey(keySpec, label: Self.keyLabel(request.id)) { keyID, publicKey in
                var plannedLog = log
                let plan = try IssuancePolicy.evaluate(
                    profile: effective,
                    request: RequestedCertificate(subject: request.subject, publicKey: publicKey, keyKind: keyKind),
                    issuer: parent?.context,
                    urls: parent.map { PublicationURLs.under(base: publicBaseURL, caID: $0.record.id) } ?? PublicationURLs(),
                    now: clock(),
                    log: &plannedLog
                )
                let signer = parent?.signer ?? SignerKey(caID: request.id, issuerName: plan.subject, keyID: keyID, publicKey: publicKey)
                let record = try await certify(
                    plan, by: signer, issuerCAID: parent?.record.id ?? request.id, profile: profile, requester: request.requester, decision: decision, log: plannedLog
                ).record
                let ca = CARecord(
                    id: request.id,
                    kind: parent == nil ? .root : .subordinate,
                    parentID: parent?.record.id,
                    level: parent.map { $0.record.level + 1 } ?? 0,
                    certificateDER: record.der,
                    keyURI: PKCS11URI(token: token.configuration.label, id: keyID, object: Self.keyLabel(request.id)).description,
                    profileID: profile.profile.id,
                    issuanceProfileID: request.issuanceProfileID,
                    allowedProfiles: allowedProfiles,
                    status: .active
                )
                try await stores.cas.insert(ca, certificate: record)
                GateMetrics.issued(record)
                return ca
            }
        } catch let refusal as Refusal {
            try await recordRefusal(refusal, decision: decision)
            throw GateError.refused(refusal)
        }
    }

    /// Registers an external CA certificate without a key: a trust anchor, never a signer.
    public func importCA(id: String, certificate input: [UInt8], requester: Requester) async throws -> CARecord {
        var decision = DecisionDraft(action: .importCA, caID: id, requester: requester)
        var log = RuleLog()
        do {
            try await checkNewCAID(id, log: &log)
            guard let der = CSRReading.der(from: input), let certificate = try? Certificate(derEncoded: der) else {
                throw log.fail("certificate.decode", "the certificate is neither PEM, DER nor base64 of DER X.509", kind: .malformed)
            }
            decision.requestFingerprint = CSRReading.fingerprint(der)
            guard case .isCertificateAuthority = try? certificate.extensions.basicConstraints else {
                throw log.fail("certificate.is_ca", "the certificate does not have basicConstraints CA:TRUE")
            }
            // A CA Signet holds the key of is preferred over an imported copy of the same certificate.
            let parent = try await stores.cas.cas().sorted { ($0.kind == .imported ? 1 : 0) < ($1.kind == .imported ? 1 : 0) }.first {
                guard let candidate = try? Certificate(derEncoded: $0.certificateDER) else { return false }
                return candidate.subject == certificate.issuer && candidate.publicKey.isValidSignature(certificate.signature, for: certificate)
            }
            let selfSigned = certificate.issuer == certificate.subject && certificate.publicKey.isValidSignature(certificate.signature, for: certificate)
            log.pass("certificate.is_ca", selfSigned ? "self-signed CA" : parent.map { "issued by CA '\($0.id)'" } ?? "issuer not held by Signet")
            let ca = CARecord(
                id: id, kind: .imported, parentID: selfSigned ? nil : parent?.id, level: selfSigned ? 0 : (parent.map { $0.level + 1 } ?? 0),
                certificateDER: der, keyURI: nil, profileID: nil, issuanceProfileID: nil, status: .active
            )
            try await stores.decisions.record(decision.record(.approved, rules: log.outcomes))
            try await stores.cas.insert(ca, certificate: nil)
            return ca
        } catch let refusal as Refusal {
            try await recordRefusal(refusal, decision: decision)
            throw GateError.refused(refusal)
        }
    }

    /// The profile with a requested validity, which must end no later than the profile's own.
    func effectiveProfile(_ profile: IssuanceProfile, validity: IssuanceProfile.Validity?, log: inout RuleLog) throws -> IssuanceProfile {
        guard let validity else { return profile }
        var shortened = profile
        shortened.validity = validity
        do { try shortened.validate() } catch let error as ProfileError {
            throw log.fail("validity.request", "\(error)", kind: .malformed)
        }
        let now = clock()
        guard let requested = shortened.validity.notAfter(from: now), let allowed = profile.validity.notAfter(from: now), requested <= allowed else {
            throw log.fail("validity.request", "the requested validity ends after the profile's (\(profile.validity.duration ?? profile.validity.time ?? ""))")
        }
        log.pass("validity.request", "shortened to end \(RFC3339.string(requested))")
        return shortened
    }

    func checkNewCAID(_ id: String, log: inout RuleLog) async throws {
        guard Identifier.isValid(id) else {
            throw log.fail("ca.id", "'\(id)' is not \(Identifier.rule)", kind: .malformed)
        }
        if try await stores.cas.ca(id: id) != nil {
            throw log.fail("ca.id", "a CA with id '\(id)' already exists", kind: .conflict)
        }
        log.pass("ca.id", "'\(id)' is free")
    }

    static func keyLabel(_ caID: String) -> String { "signet-ca-\(caID)" }
}

extension KeySpec {
    var publicKeyKind: PublicKeyKind {
        switch self {
        case .ecP256: .ecdsa(curve: .p256)
        case .ecP384: .ecdsa(curve: .p384)
        case .rsa(let bits): .rsa(bits: bits)
        }
    }
}
