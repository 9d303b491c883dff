import Foundation
import Logging
import SignetToken
import Synchronization
import X509

/// The gate: the only code that asks the token to sign.
///
/// Every entry point decides first (profile rules, CA state, request checks), records the
/// decision, and only then signs. Every signature is verified against the CA certificate's
/// public key before the result is stored, and a certificate is returned only once stored.
public final class SigningCore: Sendable {
    let token: Token
    let stores: CoreStores
    let publicBaseURL: String?
    let clock: @Sendable () -> Date
    let logger: Logger
    public let revocationSettings: RevocationSettings
    /// CA certificates parsed once, keyed by their DER (a changed certificate is parsed again).
    let parsedCertificates = BoundedCache<[UInt8], Certificate>()
    /// Stored profiles that passed the profile rules, keyed by their whole content, so the
    /// check is paid once per document and again for any change to it.
    let verifiedProfiles = BoundedCache<StoredProfile, Bool>()
    /// CA key URIs parsed once (every issuance names its CA's key).
    let parsedKeyURIs = BoundedCache<String, PKCS11URI>()
    let ocspIssuers = OCSPIssuerIndex()
    let ocspLimits = OCSPOnDemandLimits()

    /// - Parameters:
    ///   - publicBaseURL: where relying parties reach this Signet; sets CRL, OCSP and caIssuers URLs.
    ///   - revocationSettings: CRL and OCSP validity periods.
    ///   - clock: the time decisions are made at (injectable for tests).
    public init(token: Token, stores: CoreStores, publicBaseURL: String? = nil, revocationSettings: RevocationSettings = RevocationSettings(), logger: Logger = Logger(label: "signet.core"), clock: @escaping @Sendable () -> Date = { Date() }) {
        self.token = token
        self.stores = stores.meteringDecisions
        self.publicBaseURL = publicBaseURL
        self.revocationSettings = revocationSettings
        self.logger = logger
        self.clock = clock
    }

    /// A certificate issued through the gate and committed to the store.
    public struct Issued: Sendable {
        public let certificate: Certificate
        public let record: CertificateRecord
        public let decisionID: UUID
    }

    /// Issues a certificate for a CSR (PEM, DER or base64 DER) under `profileID`, or the CA's
    /// default profile when nil. `deviceID` is the device that enrollment authenticated
    /// (it fills `{device_id}` in name policies).
    public func issue(csr: [UInt8], caID: String, profileID: String? = nil, requester: Requester, deviceID: String? = nil) async throws -> Issued {
        var decision = DecisionDraft(action: .issue, caID: caID, requester: requester)
        var log = RuleLog()
        do {
            let (signer, profile) = try await IssuanceStages.time(.policy) {
                let signer = try await signingCA(caID, log: &log)
                let profile = try await self.profile(profileID ?? signer.record.issuanceProfileID, purpose: "issuance", log: &log)
                decision.profile = profile
                try checkProfileUse(profile, by: signer, requester: requester, log: &log)
                return (signer, profile)
            }
            var requested = try IssuanceStages.time(.csr) { try Self.readCSR(csr, profile: profile.profile, decision: &decision, log: &log) }
            requested.deviceID = deviceID
            let plan = try IssuanceStages.time(.policy) {
                try IssuancePolicy.evaluate(
                    profile: profile.profile,
                    request: requested,
                    issuer: signer.context,
                    urls: .under(base: publicBaseURL, caID: caID),
                    now: clock(),
                    log: &log
                )
            }
            let responder = await firstOCSPResponder(caID: caID)
            let (certificate, record, firstOCSP) = try await certify(
                plan, by: signer.signer, issuerCAID: caID, profile: profile, requester: requester, decision: decision, log: log, firstOCSP: responder
            )
            try await IssuanceStages.time(.store) { try await commit(record, firstOCSP: firstOCSP, log: log) }
            return Issued(certificate: certificate, record: record, decisionID: record.decisionID)
        } catch let refusal as Refusal {
            // Refused before the CSR was read (or unreadable): the fingerprint of what was sent.
            if decision.requestFingerprint == nil { decision.requestFingerprint = CSRReading.fingerprint(csr) }
            try await recordRefusal(refusal, decision: decision)
            throw GateError.refused(refusal)
        }
    }

    // MARK: - Steps shared by every entry point

    /// A CA that may sign now: it exists, holds a key, is active.
    func signingCA(_ id: String, log: inout RuleLog) async throws -> SigningCA {
        guard let record = try await stores.cas.ca(id: id) else {
            throw log.fail("ca.exists", "no CA with id '\(id)'", kind: .notFound)
        }
        guard let keyURI = record.keyURI else {
            throw log.fail("ca.can_sign", "CA '\(id)' was imported without a key and cannot sign")
        }
        guard record.status == .active else {
            throw log.fail("ca.can_sign", "CA '\(id)' is \(record.status.rawValue)")
        }
        let uri = try parsedKeyURIs.value(keyURI) { try PKCS11URI(parsing: $0) }
        guard uri.token == token.configuration.label else {
            throw log.fail("ca.can_sign", "CA '\(id)' has its key on token '\(uri.token)', not on the configured token '\(token.configuration.label)'")
        }
        let certificate = try parsedCertificate(record.certificateDER)
        log.pass("ca.can_sign", "CA '\(id)' is active with key \(keyURI)")
        return SigningCA(record: record, certificate: certificate, keyID: uri.id)
    }

    /// A CA (or signer) certificate, parsed once per DER.
    func parsedCertificate(_ der: [UInt8]) throws -> Certificate {
        try parsedCertificates.value(der) { try Certificate(derEncoded: $0) }
    }

    func profile(_ id: String?, purpose: String, log: inout RuleLog) async throws -> StoredProfile {
        guard let id else { throw log.fail("profile.exists", "no profile named for \(purpose) and the CA has no default", kind: .notFound) }
        guard let stored = try await stores.profiles.profile(id: id) else {
            throw log.fail("profile.exists", "no issuance profile with id '\(id)'", kind: .notFound)
        }
        log.pass("profile.exists", "'\(id)' version \(stored.version.prefix(16))")
        try checkIntegrity(stored, log: &log)
        return stored
    }

    /// A stored profile must still pass the rules the profile API applies when it is written:
    /// someone who edits the table directly (OCSPSigning into a device profile, say) gets a
    /// refusal, not a certificate.
    func checkIntegrity(_ stored: StoredProfile, log: inout RuleLog) throws {
        if verifiedProfiles[stored] == true { return }
        do { try stored.profile.validate() } catch {
            throw log.fail("profile.integrity", "stored profile '\(stored.profile.id)' breaks the profile rules: \(error)")
        }
        verifiedProfiles[stored] = true
    }

    /// Decodes the CSR and checks it in order of cost: its structure and key baseline from the
    /// raw DER, the proof of possession, then the subject and requested names.
    static func readCSR(_ input: [UInt8], profile: IssuanceProfile, decision: inout DecisionDraft, log: inout RuleLog) throws -> RequestedCertificate {
        guard let der = CSRReading.der(from: input) else {
            throw log.fail("csr.decode", "the CSR is neither PEM, DER nor base64 of DER", kind: .malformed)
        }
        decision.requestFingerprint = CSRReading.fingerprint(der)
        let structure: CSRStructure
        do {
            structure = try CSRStructure(der: der)
        } catch CSRStructure.Problem.malformed(let why) {
            throw log.fail("csr.structure", why, kind: .malformed)
        } catch CSRStructure.Problem.notARequest(let why) {
            throw log.fail("csr.decode", "the input is not a PKCS#10 request: \(why)", kind: .malformed)
        } catch {
            throw log.fail("csr.decode", "the CSR is not a valid PKCS#10 structure: \(error)", kind: .malformed)
        }
        guard structure.version == 0 else {
            throw log.fail("csr.structure", "the CSR has version \(structure.version + 1); PKCS#10 defines only version 1 (0)", kind: .malformed)
        }
        log.pass("csr.structure", "PKCS#10 v1, attributes and extensions each once")
        let keyKind = structure.keyKind
        if let violation = CryptoBaseline.violation(keyKind) ?? structure.rsaExponent.flatMap(CryptoBaseline.rsaExponentViolation) {
            throw log.fail("crypto.baseline", violation)
        }
        log.pass("crypto.baseline", "\(keyKind)")
        if let violation = CryptoBaseline.csrSignatureViolation(structure.signatureAlgorithm, allowSHA1: profile.allowSHA1CSRSignatures) {
            throw log.fail("crypto.csr_signature", violation)
        }
        let csr: CertificateSigningRequest
        do { csr = try CertificateSigningRequest(derEncoded: der) } catch {
            throw log.fail("csr.decode", "the CSR cannot be parsed: \(error)", kind: .malformed)
        }
        guard csr.publicKey.isValidSignature(csr.signature, for: csr) else {
            throw log.fail("csr.proof_of_possession", "the CSR's signature does not verify with its public key", kind: .malformed)
        }
        log.pass("csr.proof_of_possession", "signature verified")
        do {
            try SubjectAttributeRules.check(structure.subject, derSize: structure.subjectDERSize, honoured: profile.honorSubject)
        } catch .malformed(let why) {
            throw log.fail("csr.subject", why, kind: .malformed)
        } catch .policy(let why) {
            throw log.fail("csr.subject", why)
        }
        log.pass("csr.subject", "\(structure.subject.count) attributes within RFC 5280's bounds")
        var requested = RequestedCertificate(subject: csr.subject, publicKey: csr.publicKey, keyKind: keyKind)
        do {
            if let extensions = try csr.attributes.extensionRequest?.extensions {
                requested.keyUsage = try extensions.keyUsage
                requested.extendedKeyUsage = try extensions.extendedKeyUsage
                requested.subjectAlternativeNames = try extensions.subjectAlternativeNames
                requested.basicConstraints = try extensions.basicConstraints
            }
        } catch {
            throw log.fail("csr.extensions", "a requested extension is malformed: \(error)", kind: .malformed)
        }
        if let names = requested.subjectAlternativeNames {
            do { try SANSyntax.check(names) } catch .malformed(let why) {
                throw log.fail("csr.subject_alt_name", why, kind: .malformed)
            } catch .policy(let why) {
                throw log.fail("csr.subject_alt_name", why)
            }
            log.pass("csr.subject_alt_name", "\(names.count) well-formed names")
        }
        return requested
    }
}

/// A CA that passed the signing checks, with what signing needs.
struct SigningCA {
    let record: CARecord
    let certificate: Certificate
    let keyID: [UInt8]

    var context: IssuerContext {
        IssuerContext(
            name: certificate.subject,
            notBefore: certificate.notValidBefore,
            notAfter: certificate.notValidAfter,
            keyIdentifier: (try? certificate.extensions.subjectKeyIdentifier)?.keyIdentifier,
            nameConstraints: (try? certificate.extensions.nameConstraints) ?? nil
        )
    }
}
