import CPKCS11
import Foundation

/// What the pool remembers after the token refused its PIN. Tokens count failed logins and
/// lock the user PIN after a few (HSMs typically after 3 to 10): retrying the same wrong PIN
/// on every call would lock the token within seconds of a misconfiguration. After a refusal
/// the pool answers without calling `C_Login` until the backoff has passed, and doubles the
/// backoff with every further refusal; the PIN source is read again at each real attempt,
/// so correcting the PIN file takes effect at the next one.
struct LoginBackoff {
    /// The first pause after a refused PIN; it doubles up to `maximum`.
    static let initial: TimeInterval = 2
    static let maximum: TimeInterval = 600

    private(set) var refusals = 0
    private(set) var code: ReturnCode?
    private(set) var retryAt: Date?

    /// Codes that mean the PIN itself is wrong or no longer usable, not that the token is away.
    static func isPINRefusal(_ code: CK_RV) -> Bool {
        [CKR_PIN_INCORRECT, CKR_PIN_INVALID, CKR_PIN_LEN_RANGE, CKR_PIN_EXPIRED, CKR_PIN_LOCKED].contains(code)
    }

    /// Throws the suspension while the backoff runs.
    func check(now: Date = Date()) throws {
        guard let code, let retryAt, now < retryAt else { return }
        throw TokenError.loginSuspended(code: code, retryAt: retryAt)
    }

    mutating func refused(_ code: ReturnCode, now: Date = Date()) {
        refusals += 1
        self.code = code
        retryAt = now.addingTimeInterval(min(Self.maximum, Self.initial * pow(2, Double(refusals - 1))))
    }

    mutating func succeeded() {
        self = LoginBackoff()
    }
}
