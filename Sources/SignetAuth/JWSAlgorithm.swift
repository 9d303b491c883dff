/// The signature algorithms this module accepts.
///
/// The list is closed on purpose: "none" would let anyone forge a token, and HS* would let
/// anyone holding a public key (which by definition is public) mint tokens if it were treated
/// as an HMAC secret. Only asymmetric algorithms whose keys come from the JWKS are allowed.
enum JWSAlgorithm: String, Sendable {
    case es256 = "ES256"
    case rs256 = "RS256"

    /// The JWK "kty" a key must have to check this algorithm, used in error messages.
    var keyType: String {
        switch self {
        case .es256: return "EC"
        case .rs256: return "RSA"
        }
    }

    init(headerValue: String) throws(AuthError) {
        guard let algorithm = JWSAlgorithm(rawValue: headerValue) else {
            throw AuthError.unsupportedAlgorithm(headerValue)
        }
        self = algorithm
    }
}
