import Foundation
import SignetCore
import SignetDMS
import SwiftASN1

extension ESTService {
    static let ecPublicKey: ASN1ObjectIdentifier = [1, 2, 840, 10045, 2, 1]
    static let rsaEncryption: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 1, 1]
    static let extensionRequest: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 9, 14]
    static let subjectAltName: ASN1ObjectIdentifier = [2, 5, 29, 17]
    static let curves: [Int: (curve: ASN1ObjectIdentifier, signature: ASN1ObjectIdentifier)] = [
        256: ([1, 2, 840, 10045, 3, 1, 7], [1, 2, 840, 10045, 4, 3, 2]),
        384: ([1, 3, 132, 0, 34], [1, 2, 840, 10045, 4, 3, 3]),
        521: ([1, 3, 132, 0, 35], [1, 2, 840, 10045, 4, 3, 4]),
    ]
    static let sha256WithRSA: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 1, 11]

    /// `/csrattrs` (RFC 7030 §4.5, RFC 9908): what the DMS's profile requires of a CSR — the
    /// key (type and curve, or RSA size), the signature algorithm, the challengePassword when
    /// the DMS uses passcodes, and the extensions the profile honours.
    public func csrAttributes(aps: String?) async throws -> [UInt8] {
        let (_, settings) = try await policy(aps)
        guard let profile = try await stores.profiles.profile(id: settings.issuanceProfileID)?.profile else {
            throw ESTRefusal(.notFound, rule: "est.profile", "the DMS's issuance profile '\(settings.issuanceProfileID)' no longer exists")
        }
        var items: [[UInt8]] = []
        if settings.enrollment.est.authMode == .passcode { items.append(DERBytes.oid(Self.challengePasswordOID)) }
        let crypto = profile.cryptoEnforcement
        if !crypto.enabled || crypto.allowECDSAKeys {
            let size = (crypto.enabled ? crypto.allowedECDSAKeySizes.sorted().first { Self.curves[$0] != nil } : nil) ?? 256
            let chosen = Self.curves[size] ?? Self.curves[256]!
            items.append(DERBytes.sequence(DERBytes.oid(Self.ecPublicKey), DERBytes.set(of: [DERBytes.oid(chosen.curve)])))
            items.append(DERBytes.oid(chosen.signature))
        } else {
            let bits = crypto.allowedRSAKeySizes.sorted().first { $0 >= 2048 } ?? 2048
            items.append(DERBytes.sequence(DERBytes.oid(Self.rsaEncryption), DERBytes.set(of: [DERBytes.integer(UInt64(bits))])))
            items.append(DERBytes.oid(Self.sha256WithRSA))
        }
        if profile.honorExtensions {
            items.append(DERBytes.sequence(DERBytes.oid(Self.extensionRequest), DERBytes.set(of: [DERBytes.oid(Self.subjectAltName)])))
        }
        return DERBytes.sequence(of: items)
    }
}
