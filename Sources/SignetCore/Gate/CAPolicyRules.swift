import Crypto
import _CryptoExtras
import SignetToken
import X509

/// Rules that only CA certificates have: who may make them, which profiles a new CA may
/// issue with, and the path length a parent leaves its children.
extension SigningCore {
    /// CA certificates are an administrator's decision, whatever front end asked.
    func checkAdministrator(_ requester: Requester, action: String, log: inout RuleLog) throws {
        guard requester.isAdmin else {
            throw log.fail("ca.requester_role", "\(action) needs an administrator; '\(requester.name)' holds \(requester.roles.sorted())", kind: .forbidden)
        }
        log.pass("ca.requester_role", "admin")
    }

    /// The profiles a CA will issue with: each exists, none is a delegated-responder profile
    /// (the responder path alone uses those), and the default is among them.
    func checkAllowedProfiles(_ requested: [String]?, default defaultID: String, log: inout RuleLog) async throws -> [String] {
        let allowed = requested ?? [defaultID]
        guard allowed.contains(defaultID) else {
            throw log.fail("ca.allowed_profiles", "the default issuance profile '\(defaultID)' must be among the allowed profiles \(allowed)")
        }
        guard Set(allowed).count == allowed.count, allowed.count <= 64 else {
            throw log.fail("ca.allowed_profiles", "allowed profiles must be distinct and at most 64", kind: .malformed)
        }
        for id in allowed {
            let stored = try await profile(id, purpose: "the CA's issuance", log: &log)
            guard !stored.profile.ocspResponder else {
                throw log.fail("ca.allowed_profiles", "profile '\(id)' is for delegated OCSP responders, which only the CA's ocsp-signer setting issues")
            }
        }
        log.pass("ca.allowed_profiles", "\(allowed)")
        return allowed
    }

    /// A child's pathLenConstraint: at most one less than the parent's; a parent with
    /// pathLen 0 has no CA children at all (RFC 5280 4.2.1.9).
    func pathLength(_ wanted: Int?, under parent: Certificate, log: inout RuleLog) throws -> Int? {
        guard case .isCertificateAuthority(let parentLimit)? = try? parent.extensions.basicConstraints, let parentLimit else {
            log.pass("ca.path_len", wanted.map { "pathLen \($0)" } ?? "unlimited")
            return wanted
        }
        guard parentLimit > 0 else {
            throw log.fail("ca.path_len", "the parent CA has pathLen 0 and may not certify further CAs")
        }
        let limit = parentLimit - 1
        guard let wanted, wanted <= limit else {
            log.pass("ca.path_len", "pathLen \(limit), one below the parent's \(parentLimit)")
            return limit
        }
        log.pass("ca.path_len", "pathLen \(wanted)")
        return wanted
    }

    /// The key a new CA gets when the request names none: its parent's type and size where
    /// the CA profile allows them, else the profile's first allowed ECDSA size, else its first
    /// RSA size; P-256 when the profile does not restrict keys.
    func defaultKeySpec(profile: IssuanceProfile, parent: Certificate?, log: inout RuleLog) -> KeySpec {
        let enforcement = profile.cryptoEnforcement
        let candidates: [KeySpec] = [.ecP256, .ecP384, .rsa(bits: 2048), .rsa(bits: 3072), .rsa(bits: 4096)]
        if let parent, let spec = KeySpec(of: parent.publicKey), enforcement.violation(spec.publicKeyKind) == nil {
            log.pass("ca.key", "\(spec), the parent's key type")
            return spec
        }
        let spec = candidates.first { enforcement.violation($0.publicKeyKind) == nil } ?? .ecP256
        log.pass("ca.key", "\(spec), the first the profile allows")
        return spec
    }
}

extension KeySpec {
    /// The token key spec of a certificate's key, when it is one the token generates.
    init?(of key: Certificate.PublicKey) {
        if P256.Signing.PublicKey(key) != nil { self = .ecP256; return }
        if P384.Signing.PublicKey(key) != nil { self = .ecP384; return }
        guard let bits = _RSA.Signing.PublicKey(key)?.keySizeInBits, [2048, 3072, 4096].contains(bits) else { return nil }
        self = .rsa(bits: bits)
    }
}
