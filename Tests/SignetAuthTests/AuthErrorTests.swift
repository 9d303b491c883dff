import Foundation
import SignetAuth
import Testing

@Suite("Error messages")
struct AuthErrorTests {
    @Test("messages are plain sentences with ISO 8601 dates")
    func descriptions() {
        let newYear = Date(timeIntervalSince1970: 1_767_225_600)
        #expect(AuthError.expired(newYear).description == "token expired at 2026-01-01T00:00:00Z")
        #expect(AuthError.notYetValid(newYear).description == "token is not valid before 2026-01-01T00:00:00Z")
        #expect(AuthError.wrongIssuer("https://evil").description.contains("\"https://evil\""))
        #expect(AuthError.unsupportedAlgorithm("none").description.contains("\"none\""))
        #expect(AuthError.missingClaim("sub").description.contains("\"sub\""))
    }
}
