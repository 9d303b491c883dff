import Crypto

/// Reads the issuer's EC P-256 private key from PEM.
///
/// swift-crypto's own errors do not say what was wrong with a PEM, so the label is looked at
/// first to tell the common mix-ups apart: a public key, an RSA key, or not PEM at all.
enum PrivateKeyPEM {
    static func parse(_ pem: String) throws(AuthError) -> P256.Signing.PrivateKey {
        guard let label = beginLabel(in: pem) else {
            throw AuthError.invalidPrivateKey("text has no \"-----BEGIN ...-----\" line, so it is not PEM")
        }
        switch label {
        case "PRIVATE KEY", "EC PRIVATE KEY":
            break
        case "PUBLIC KEY":
            throw AuthError.invalidPrivateKey("PEM holds a public key; a private key is needed to sign")
        case "RSA PRIVATE KEY":
            throw AuthError.invalidPrivateKey("PEM holds an RSA key; tokens are signed with EC P-256 (ES256)")
        default:
            throw AuthError.invalidPrivateKey(
                "PEM is labelled \"\(label)\"; expected \"PRIVATE KEY\" (PKCS#8) or \"EC PRIVATE KEY\" (SEC1)")
        }
        do {
            return try P256.Signing.PrivateKey(pemRepresentation: pem)
        } catch {
            throw AuthError.invalidPrivateKey(
                "PEM \"\(label)\" could not be read as an EC P-256 private key (another curve or key type, or damaged)")
        }
    }

    private static func beginLabel(in pem: String) -> String? {
        let marker = "-----BEGIN "
        guard let start = pem.range(of: marker),
              let end = pem.range(of: "-----", range: start.upperBound..<pem.endIndex)
        else { return nil }
        return String(pem[start.upperBound..<end.lowerBound])
    }
}
