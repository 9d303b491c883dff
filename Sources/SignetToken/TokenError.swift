import Foundation

/// Everything that can go wrong between Signet and a PKCS#11 token.
///
/// Each case names what failed in words an operator can act on; token failures carry the
/// PKCS#11 function and its `CKR_` code.
public enum TokenError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The module could not be opened or does not export `C_GetFunctionList`.
    case moduleLoadFailed(path: String, reason: String)
    /// No slot holds an initialised token with this label.
    case tokenNotFound(label: String)
    /// The PIN source could not be read.
    case pinUnavailable(String)
    /// A PKCS#11 call returned something other than `CKR_OK`.
    case call(function: String, code: ReturnCode)
    /// The token is unreachable (removed, network HSM down, session lost); the call failed fast
    /// and the pool will reconnect on a later call.
    case unavailable(function: String, code: ReturnCode)
    /// No private key with this `CKA_ID` is on the token.
    case keyNotFound(id: [UInt8])
    /// A key exists but is of a type or shape Signet cannot use.
    case unsupportedKey(String)
    /// A key specification or signing algorithm the token cannot serve.
    case unsupportedAlgorithm(String)
    /// A PKCS#11 URI that could not be parsed.
    case invalidURI(String)
    /// The token refused the PIN (`code`); Signet does not log in again before `retryAt`, so
    /// that a wrong PIN cannot lock a token that counts failures.
    case loginSuspended(code: ReturnCode, retryAt: Date)

    public var description: String {
        switch self {
        case .moduleLoadFailed(let path, let reason): "cannot load PKCS#11 module \(path): \(reason)"
        case .tokenNotFound(let label): "no token labelled '\(label)' is present"
        case .pinUnavailable(let why): "token PIN unavailable: \(why)"
        case .call(let function, let code): "\(function) failed: \(code)"
        case .unavailable(let function, let code): "token unavailable (\(function) returned \(code))"
        case .keyNotFound(let id): "no private key with CKA_ID \(hex(id)) on the token"
        case .unsupportedKey(let why): "unsupported key: \(why)"
        case .unsupportedAlgorithm(let why): "unsupported algorithm: \(why)"
        case .invalidURI(let why): "invalid PKCS#11 URI: \(why)"
        case .loginSuspended(let code, let retryAt):
            "C_Login failed with \(code); not logging in again before \(retryAt) so that the token does not lock the PIN (check the PIN source)"
        }
    }

    /// True when the failure means the token or its sessions went away, not that the request was wrong.
    public var isTokenLoss: Bool {
        if case .unavailable = self { return true }
        return false
    }
}

extension ReturnCode {
    /// Codes after which the sessions (or the whole module connection) must be rebuilt.
    var meansTokenLoss: Bool {
        switch rawValue {
        case 0x03, // CKR_SLOT_ID_INVALID
            0x30, // CKR_DEVICE_ERROR
            0x31, // CKR_DEVICE_MEMORY
            0x32, // CKR_DEVICE_REMOVED
            0xB0, // CKR_SESSION_CLOSED
            0xB3, // CKR_SESSION_HANDLE_INVALID
            0xE0, // CKR_TOKEN_NOT_PRESENT
            0xE1, // CKR_TOKEN_NOT_RECOGNIZED
            0x101, // CKR_USER_NOT_LOGGED_IN
            0x190: // CKR_CRYPTOKI_NOT_INITIALIZED
            true
        default:
            false
        }
    }
}

func hex(_ bytes: [UInt8]) -> String {
    let digits = Array("0123456789abcdef")
    return String(bytes.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 0x0F)]] })
}
