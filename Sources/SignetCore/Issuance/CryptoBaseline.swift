import SwiftASN1

/// Key rules that hold under every profile, whatever its crypto enforcement says.
public enum CryptoBaseline {
    public static let minimumRSABits = 2048
    public static let ecdsaSizes: Set<Int> = [256, 384, 521]

    /// Nil when the key is acceptable, otherwise why not.
    public static func violation(_ key: PublicKeyKind) -> String? {
        switch key {
        case .rsa(let bits) where bits < minimumRSABits:
            "RSA keys must have at least \(minimumRSABits) bits; this one has \(bits)"
        case .rsa:
            nil
        case .ecdsa(.other(let oid)):
            "curve \(oid) is not allowed; use P-256, P-384 or P-521"
        case .ecdsa:
            nil
        case .other(let oid):
            "key algorithm \(oid) is not allowed; use RSA or ECDSA"
        }
    }
}

extension IssuanceProfile.CryptoEnforcement {
    /// Nil when the profile accepts the key, otherwise the rule and why not.
    public func violation(_ key: PublicKeyKind) -> (rule: String, detail: String)? {
        guard enabled else { return nil }
        switch key {
        case .rsa(let bits):
            if !allowRSAKeys { return ("crypto_enforcement.allow_rsa_keys", "the profile does not allow RSA keys") }
            if !allowedRSAKeySizes.contains(bits) {
                return ("crypto_enforcement.allowed_rsa_key_sizes", "RSA \(bits) is not among the allowed sizes \(allowedRSAKeySizes)")
            }
        case .ecdsa(let curve):
            if !allowECDSAKeys { return ("crypto_enforcement.allow_ecdsa_keys", "the profile does not allow ECDSA keys") }
            if let bits = curve.bits, !allowedECDSAKeySizes.contains(bits) {
                return ("crypto_enforcement.allowed_ecdsa_key_sizes", "ECDSA \(bits) is not among the allowed sizes \(allowedECDSAKeySizes)")
            }
        case .other:
            return nil // refused by the baseline already
        }
        return nil
    }
}

extension CryptoBaseline {
    /// Proof-of-possession signatures the gate verifies: ECDSA or PKCS#1 v1.5 with SHA-256 or
    /// stronger; SHA-1 only where a profile opts in for legacy devices.
    static let strongCSRSignatures: [ASN1ObjectIdentifier: String] = [
        [1, 2, 840, 10045, 4, 3, 2]: "ecdsa-with-SHA256", [1, 2, 840, 10045, 4, 3, 3]: "ecdsa-with-SHA384",
        [1, 2, 840, 10045, 4, 3, 4]: "ecdsa-with-SHA512", [1, 2, 840, 113549, 1, 1, 11]: "sha256WithRSAEncryption",
        [1, 2, 840, 113549, 1, 1, 12]: "sha384WithRSAEncryption", [1, 2, 840, 113549, 1, 1, 13]: "sha512WithRSAEncryption",
    ]
    /// Legacy RSA devices only: ecdsa-with-SHA1 is never accepted (the verifier has no such
    /// algorithm, and no device that can do ECDSA needs SHA-1).
    static let sha1CSRSignatures: [ASN1ObjectIdentifier: String] = [
        [1, 2, 840, 113549, 1, 1, 5]: "sha1WithRSAEncryption",
    ]

    /// Nil when the CSR's signature algorithm is accepted, otherwise why not.
    static func csrSignatureViolation(_ algorithm: ASN1ObjectIdentifier, allowSHA1: Bool) -> String? {
        if strongCSRSignatures[algorithm] != nil { return nil }
        if let name = sha1CSRSignatures[algorithm] {
            return allowSHA1 ? nil : "the CSR is signed with \(name); SHA-1 is accepted only by profiles for legacy devices (allow_sha1_csr_signatures)"
        }
        return "the CSR's signature algorithm \(algorithm) is not accepted; use ECDSA or RSA PKCS#1 v1.5 with SHA-256 or stronger"
    }

    /// RSA public exponents must be odd and at least 65537 (small exponents invite
    /// broadcast and padding attacks; even ones are not RSA keys).
    static func rsaExponentViolation(_ exponent: ArraySlice<UInt8>) -> String? {
        let digits = exponent.drop { $0 == 0 }
        guard let last = digits.last, last & 1 == 1 else { return "the RSA public exponent is even or zero" }
        guard digits.count <= 8 else { return nil }
        let value = digits.reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        return value >= 65537 ? nil : "the RSA public exponent is \(value); it must be at least 65537"
    }
}
