import Foundation
import SwiftASN1
import X509

/// The issuance rules of a profile, applied to one request. Pure: no token, no store.
///
/// Subject: `honor_subject: true` starts from the CSR subject and lets every non-empty
/// profile field replace the CSR's value; `false` ignores the CSR subject entirely and uses
/// the profile's fields only. A device's name reaches the certificate through the template's
/// holes (``SubjectTemplateText``: `{device_id}`, `{csr.common_name}`), filled in both modes.
/// Other CSR attributes (e.g. serialNumber) are kept only when the subject is honoured.
///
/// Extensions: with `honor_extensions` the CSR's subjectAltName is copied; no other requested
/// extension is ever copied. Key usage and extended key usage follow their own honour flags
/// (the CSR's values when present, else the profile's); basic constraints always come from
/// `sign_as_ca`.
enum IssuancePolicy {
    static func evaluate(
        profile: IssuanceProfile,
        request: RequestedCertificate,
        issuer: IssuerContext?,
        urls: PublicationURLs,
        now: Date,
        log: inout RuleLog
    ) throws -> CertificatePlan {
        if let violation = profile.cryptoEnforcement.violation(request.keyKind) {
            throw log.fail(violation.rule, violation.detail)
        }
        log.pass("crypto_enforcement", profile.cryptoEnforcement.enabled ? "\(request.keyKind) allowed by the profile" : "not enabled")

        if case .isCertificateAuthority = request.basicConstraints, !profile.signAsCA {
            throw log.fail("sign_as_ca", "the request asks for CA:TRUE but profile '\(profile.id)' does not sign CAs")
        }
        log.pass("sign_as_ca", profile.signAsCA ? "CA:TRUE" : "CA:FALSE")

        let keyUsage = try keyUsage(profile: profile, request: request, log: &log)
        let extendedKeyUsage = try extendedKeyUsage(profile: profile, request: request, log: &log)
        let subject = try subject(profile: profile, request: request, log: &log)
        let names = try NamePolicyCheck.names(profile: profile, request: request, subject: subject, issuer: issuer, log: &log)
        let (notBefore, notAfter) = try validity(profile: profile, issuer: issuer, now: now, log: &log)

        var extensions = Certificate.Extensions()
        do {
            try extensions.append(Certificate.Extension(
                profile.signAsCA ? BasicConstraints.isCertificateAuthority(maxPathLength: profile.pathLength) : .notCertificateAuthority,
                critical: true
            ))
            if keyUsage != KeyUsage() { try extensions.append(Certificate.Extension(keyUsage, critical: true)) }
            if let extendedKeyUsage {
                // RFC 3161 2.3: a time-stamping certificate's EKU is critical.
                try extensions.append(Certificate.Extension(extendedKeyUsage, critical: extendedKeyUsage.contains(.timeStamping)))
            }
            if profile.ocspResponder {
                // RFC 6960 4.2.2.2.1: relying parties need not check a responder's own status.
                // Only the delegated-responder path issues under such a profile.
                try extensions.append(Certificate.Extension(oid: [1, 3, 6, 1, 5, 5, 7, 48, 1, 5], critical: false, value: [0x05, 0x00]))
            }
            if let names {
                // RFC 5280 4.2.1.6: with an empty subject the SAN must be critical.
                try extensions.append(Certificate.Extension(names, critical: subject.isEmpty))
            }
            if profile.signAsCA, let constraints = profile.nameConstraints {
                // RFC 5280 4.2.1.10: conforming CAs mark nameConstraints critical.
                try extensions.append(Certificate.Extension(constraints.x509, critical: true))
            }
            try extensions.append(Certificate.Extension(SubjectKeyIdentifier(hash: request.publicKey), critical: false))
            if let keyIdentifier = issuer?.keyIdentifier {
                try extensions.append(Certificate.Extension(AuthorityKeyIdentifier(keyIdentifier: keyIdentifier), critical: false))
            }
            try PublicationExtensions.append(urls, to: &extensions)
        } catch {
            throw log.fail("extensions", "cannot encode the certificate extensions: \(error)")
        }
        if subject.isEmpty && (try? extensions.subjectAlternativeNames) == nil {
            throw log.fail("subject", "the certificate would have neither a subject nor a subjectAltName")
        }
        return CertificatePlan(
            subject: subject,
            publicKey: request.publicKey,
            keyKind: request.keyKind,
            notBefore: notBefore,
            notAfter: notAfter,
            extensions: extensions
        )
    }

    private static func keyUsage(profile: IssuanceProfile, request: RequestedCertificate, log: inout RuleLog) throws -> KeyUsage {
        var usage = profile.keyUsage.x509
        var source = "profile"
        if profile.honorKeyUsage, let requested = request.keyUsage {
            usage = requested
            source = "request"
        }
        if profile.signAsCA {
            usage.keyCertSign = true
            usage.cRLSign = true
        } else if usage.keyCertSign || usage.cRLSign {
            throw log.fail("honor_key_usage", "the request asks for keyCertSign or cRLSign under a profile that does not sign CAs")
        }
        let dropped = fitToKeyType(&usage, request.keyKind)
        log.pass("key_usage", "from the \(source): \(usage)" + (dropped.isEmpty ? "" : "; \(dropped.joined(separator: ", ")) left out: not defined for \(request.keyKind) keys"))
        return usage
    }

    /// Leaves out usages the key cannot have: encipherment for EC keys (RFC 5480 3),
    /// key agreement for RSA keys (RFC 3279 2.3.1). Returns what was left out.
    private static func fitToKeyType(_ usage: inout KeyUsage, _ kind: PublicKeyKind) -> [String] {
        var dropped: [String] = []
        switch kind {
        case .ecdsa:
            if usage.keyEncipherment { usage.keyEncipherment = false; dropped.append("keyEncipherment") }
            if usage.dataEncipherment { usage.dataEncipherment = false; dropped.append("dataEncipherment") }
        case .rsa:
            if usage.keyAgreement { usage.keyAgreement = false; dropped.append("keyAgreement") }
        case .other:
            break
        }
        return dropped
    }

    /// With `honor_extended_key_usages` the request may choose among the profile's own EKUs,
    /// never beyond them: an EKU outside the list (OCSPSigning above all) is refused.
    private static func extendedKeyUsage(profile: IssuanceProfile, request: RequestedCertificate, log: inout RuleLog) throws -> ExtendedKeyUsage? {
        if profile.honorExtendedKeyUsages, let requested = request.extendedKeyUsage {
            let allowed = Set(profile.extendedKeyUsages.map(\.x509))
            let outside = requested.filter { !allowed.contains($0) }
            guard outside.isEmpty else {
                throw log.fail("extended_key_usages", "the request asks for \(outside.map { "\($0)" }), which profile '\(profile.id)' does not grant; it grants \(profile.extendedKeyUsages.map(\.rawValue))")
            }
            log.pass("extended_key_usages", "from the request, within the profile's: \(requested)")
            return requested
        }
        guard !profile.extendedKeyUsages.isEmpty else {
            log.pass("extended_key_usages", "none")
            return nil
        }
        let usage = try? ExtendedKeyUsage(profile.extendedKeyUsages.map(\.x509))
        log.pass("extended_key_usages", "from the profile: \(profile.extendedKeyUsages.map(\.rawValue))")
        return usage
    }

    private static func subject(profile: IssuanceProfile, request: RequestedCertificate, log: inout RuleLog) throws -> DistinguishedName {
        let values = SubjectTemplateText.Values(deviceID: request.deviceID, csrCommonName: request.subject.commonName)
        let merged: DistinguishedName
        do {
            merged = try SubjectMerge.merge(template: profile.subject, requested: request.subject, honorRequested: profile.honorSubject, values: values)
        } catch {
            throw log.fail("subject.template", "profile '\(profile.id)': \(error)")
        }
        log.pass("honor_subject", "\(profile.honorSubject ? "request merged with profile" : "profile subject, request subject ignored"): \(merged)")
        return merged
    }

    private static func validity(profile: IssuanceProfile, issuer: IssuerContext?, now: Date, log: inout RuleLog) throws -> (Date, Date) {
        let notBefore = Date(timeIntervalSince1970: now.timeIntervalSince1970.rounded(.down))
        var notAfter = profile.validity.notAfter(from: notBefore) ?? notBefore
        guard notAfter > notBefore else {
            throw log.fail("validity", "the profile's validity ends at \(RFC3339.string(notAfter)), which is not in the future")
        }
        guard let issuer else {
            log.pass("validity", "\(RFC3339.string(notBefore)) to \(RFC3339.string(notAfter))")
            return (notBefore, notAfter)
        }
        guard issuer.notAfter > notBefore, issuer.notBefore <= notBefore else {
            throw log.fail("issuer.validity", "the issuing CA is not valid now (valid \(RFC3339.string(issuer.notBefore)) to \(RFC3339.string(issuer.notAfter)))")
        }
        if notAfter > issuer.notAfter {
            log.pass("validity", "clamped from \(RFC3339.string(notAfter)) to the issuer's notAfter \(RFC3339.string(issuer.notAfter))")
            notAfter = issuer.notAfter
        } else {
            log.pass("validity", "\(RFC3339.string(notBefore)) to \(RFC3339.string(notAfter))")
        }
        return (notBefore, notAfter)
    }
}

extension IssuanceProfile.KeyUsageFlags {
    var x509: KeyUsage {
        KeyUsage(
            digitalSignature: digitalSignature,
            nonRepudiation: contentCommitment,
            keyEncipherment: keyEncipherment,
            dataEncipherment: dataEncipherment,
            keyAgreement: keyAgreement,
            keyCertSign: certSign,
            cRLSign: crlSign
        )
    }
}

extension ExtendedKeyUsageName {
    var x509: ExtendedKeyUsage.Usage {
        switch self {
        case .serverAuth: .serverAuth
        case .clientAuth: .clientAuth
        case .codeSigning: .codeSigning
        case .emailProtection: .emailProtection
        case .timeStamping: .timeStamping
        case .ocspSigning: .ocspSigning
        }
    }
}
