/// A key pair that Signet can generate in a token.
public enum KeySpec: Sendable, Hashable, CustomStringConvertible {
    case ecP256
    case ecP384
    case rsa(bits: Int)

    /// Parses the CLI/API spelling: `ec-p256`, `ec-p384`, `rsa-2048`, `rsa-3072`, `rsa-4096`.
    public init?(_ text: String) {
        switch text.lowercased() {
        case "ec-p256", "p256", "p-256": self = .ecP256
        case "ec-p384", "p384", "p-384": self = .ecP384
        case "rsa-2048": self = .rsa(bits: 2048)
        case "rsa-3072": self = .rsa(bits: 3072)
        case "rsa-4096": self = .rsa(bits: 4096)
        default: return nil
        }
    }

    public var description: String {
        switch self {
        case .ecP256: "ec-p256"
        case .ecP384: "ec-p384"
        case .rsa(let bits): "rsa-\(bits)"
        }
    }

    /// The signature algorithm Signet uses with a key of this kind.
    public var signingAlgorithm: SigningAlgorithm {
        switch self {
        case .ecP256: .ecdsaSHA256
        case .ecP384: .ecdsaSHA384
        case .rsa: .rsaPKCS1SHA256
        }
    }
}

/// The public half of a token key, as raw parameters (the token layer knows no X.509).
public enum TokenPublicKey: Sendable, Hashable {
    /// `namedCurveOID` is the dotted curve OID; `point` the uncompressed SEC1 point.
    case ec(namedCurveOID: String, point: [UInt8])
    case rsa(modulus: [UInt8], publicExponent: [UInt8])
}

/// Signature algorithms the token layer can produce. ECDSA results are raw `r‖s`.
public enum SigningAlgorithm: Sendable, Hashable {
    case ecdsaSHA256, ecdsaSHA384, ecdsaSHA512
    case rsaPKCS1SHA256, rsaPKCS1SHA384, rsaPKCS1SHA512
}
