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
