import Foundation
@testable import SignetCore
import SignetServer
import SignetToken
import Testing

/// Anonymous OCSP requests cannot make the token work per request: unknown serials are
/// answered within a per-CA budget and cached, nonces are ignored unless opted in (and then
/// rate-limited), and a request names one certificate unless more are allowed. Answered by
/// an in-process core on its own token object, whose signature counter is exact.
@Suite(.serialized) struct OCSPLimitTests {
    static let malformed: [UInt8] = [0x30, 0x03, 0x0A, 0x01, 0x01]
    static let unauthorized: [UInt8] = [0x30, 0x03, 0x0A, 0x01, 0x06]

    static func core(_ change: (inout RevocationSettings) -> Void = { _ in }) async throws -> (core: SigningCore, token: Token) {
        let environment = try await TestEnvironment.get()
        let token = try Token(TokenConfiguration(modulePath: environment.modulePath, label: environment.tokenLabel,
                                                 pin: .file(try TestEnvironment.variable("SIGNET_PIN_FILE")), maxSessions: 2))
        var settings = RevocationSettings()
        change(&settings)
        return (SigningCore(token: token, stores: environment.stores, revocationSettings: settings), token)
    }

    static func randomSerial() -> String { "0x" + String(UInt64.random(in: (1 << 62)..<(1 << 63)), radix: 16) }

    @Test func aFloodOfUnknownSerialsCostsABoundedNumberOfSignaturesAndOneDecision() async throws {
        let fixture = try await RevocationFixture.make("ocsp-flood")
        let environment = try await TestEnvironment.get()
        let (core, token) = try await Self.core()
        let requests = try (0..<40).map { _ in try fixture.requestBytes(["-serial", Self.randomSerial()]) }
        func decisions() async throws -> Int {
            try await environment.rows("SELECT count(*)::int FROM decisions WHERE ca_id = \(fixture.caID) AND action = 'SIGN_OCSP' AND requester = 'ocsp'", as: Int.self).first ?? 0
        }
        let signaturesBefore = token.signatureCount, decisionsBefore = try await decisions()
        var answers: [OCSPAnswer] = []
        for request in requests { answers.append(try await core.answerOCSP(request)) }
        let signed = token.signatureCount - signaturesBefore
        #expect(signed == OCSPOnDemandLimits.unknownBudget, "40 unknown serials cost \(signed) signatures")
        #expect(try await decisions() - decisionsBefore == 1, "one decision covers the window's budget")
        #expect(answers.prefix(signed).allSatisfy { $0.errorStatus == nil })
        #expect(answers.dropFirst(signed).allSatisfy { $0.der == Self.unauthorized }, "past the budget: unsigned unauthorized")

        // The answers signed are kept: asking again costs nothing.
        let cachedBefore = token.signatureCount
        for (request, answer) in zip(requests, answers).prefix(signed) {
            #expect(try await core.answerOCSP(request).der == answer.der)
        }
        #expect(token.signatureCount == cachedBefore)
        #expect(try await decisions() - decisionsBefore == 1)

        // openssl reads a signed one as an unknown status from the CA.
        let file = try fixture.server.scratch.write(unique("unknown") + ".der", answers[0].der)
        let text = try Tool.run("openssl", ["ocsp", "-respin", file, "-CAfile", fixture.chainFile, "-verify_other", fixture.chainFile, "-resp_text"])
        #expect((text.output + text.error).contains("Cert Status: unknown") && (text.output + text.error).contains("Response verify OK"), "\(text.output) \(text.error)")
    }

    /// A response signed on demand is a decision about one certificate: an auditor with only
    /// the database finds it by the serial. (A nonce keeps the answer from being a stored one.)
    @Test func anOnDemandAnswerNamesItsCertificateInItsDecision() async throws {
        let fixture = try await RevocationFixture.make("ocsp-on-demand-serial")
        let environment = try await TestEnvironment.get()
        let certificate = try fixture.issue()
        let (core, token) = try await Self.core { $0.ocspNonce = .honour }
        let before = token.signatureCount
        let answer = try await core.answerOCSP(try fixture.requestBytes(["-cert", certificate.file], extra: ["-nonce"]))
        #expect(answer.errorStatus == nil)
        #expect(token.signatureCount == before + 1, "signed on demand")
        let decisions = try await environment.rows(
            "SELECT (rules -> 0 ->> 'detail') FROM decisions WHERE ca_id = \(fixture.caID) AND action = 'SIGN_OCSP' AND requester = 'ocsp' AND serial_number = \(certificate.serial)",
            as: String.self
        )
        #expect(decisions.count == 1, "one on-demand decision names \(certificate.serial)")
        #expect(decisions.first?.contains("\(certificate.serial): good") == true, "\(decisions)")
    }

    @Test func noncesAreIgnoredByDefaultAndEchoedWithinARateWhenHonoured() async throws {
        let fixture = try await RevocationFixture.make("ocsp-nonce-limit")
        let certificate = try fixture.issue()
        let request = try fixture.requestBytes(["-cert", certificate.file], extra: ["-nonce"])
        func text(_ der: [UInt8]) throws -> String {
            let file = try fixture.server.scratch.write(unique("nonce") + ".der", der)
            let result = try Tool.run("openssl", ["ocsp", "-respin", file, "-CAfile", fixture.chainFile, "-verify_other", fixture.chainFile, "-resp_text"])
            return result.output + result.error
        }

        let (ignoring, token) = try await Self.core()
        let first = try await ignoring.answerOCSP(request) // signs (and stores) if the publisher has not yet
        let before = token.signatureCount
        for _ in 0..<20 { #expect(try await ignoring.answerOCSP(request).der == first.der) }
        #expect(token.signatureCount == before, "a nonce must not cost a signature by default")
        let plain = try text(first.der)
        #expect(plain.contains("Response verify OK") && plain.contains("good") && !plain.contains("OCSP Nonce"), "\(plain)")

        let (honouring, honouringToken) = try await Self.core { $0.ocspNonce = .honour }
        let echoed = try text(try await honouring.answerOCSP(request).der)
        #expect(echoed.contains("OCSP Nonce"), "\(echoed)")
        let start = honouringToken.signatureCount, started = ContinuousClock.now
        var withoutNonce = 0
        for _ in 0..<60 {
            if try await honouring.answerOCSP(request).producedAt != nil { withoutNonce += 1 }
        }
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let signed = honouringToken.signatureCount - start
        // The bucket holds 20 (one spent above) and refills 10 a second.
        #expect(signed <= 19 + Int(seconds * OCSPOnDemandLimits.onDemandRate) + 1, "\(signed) signatures in \(seconds) s")
        #expect(withoutNonce == 60 - signed, "over the limit the pre-signed response (without nonce) is served")
        #expect(seconds > 3 || withoutNonce > 0)
    }

    @Test func oneCertIDPerRequestUnlessMoreAreAllowed() async throws {
        let fixture = try await RevocationFixture.make("ocsp-certids")
        let one = try fixture.issue(), two = try fixture.issue()
        let request = try fixture.requestBytes(["-cert", one.file, "-cert", two.file])
        let (strict, token) = try await Self.core()
        let before = token.signatureCount
        #expect(try await strict.answerOCSP(request).der == Self.malformed)
        #expect(token.signatureCount == before)
        // Over HTTP too: the server runs with the default.
        let http = try fixture.server.curl("POST", "/ocsp", body: request, contentType: "application/ocsp-request")
        #expect(http.status == 200 && http.body == Self.malformed)

        let (lenient, _) = try await Self.core { $0.ocspMaxCertIDs = 2 }
        let answer = try await lenient.answerOCSP(request)
        #expect(answer.errorStatus == nil)
    }

    @Test func nonceAndCertIDSettingsAreReadStrictly() throws {
        let honour = try ServerConfiguration.load(file: nil, environment: ["SIGNET_OCSP_NONCE": "honour", "SIGNET_OCSP_MAX_CERTIDS": "4"]).revocationSettings()
        #expect(honour.ocspNonce == .honour && honour.ocspMaxCertIDs == 4)
        let defaults = try ServerConfiguration.load(file: nil, environment: [:]).revocationSettings()
        #expect(defaults.ocspNonce == .ignore && defaults.ocspMaxCertIDs == 1)
        let typo = try ServerConfiguration.load(file: nil, environment: ["SIGNET_OCSP_NONCE": "honor"])
        let error = #expect(throws: ConfigurationError.self) { try typo.revocationSettings() }
        #expect(error?.description.contains("'honor'") == true && error?.description.contains("ignore, honour") == true, "\(String(describing: error))")
        let scratch = try Scratch()
        let file = try scratch.write("ocsp.json", Array(#"{"ocsp_nonce": "honour", "ocsp_max_certids": 0}"#.utf8))
        #expect(throws: ConfigurationError.self) { try ServerConfiguration.load(file: file, environment: [:]).revocationSettings() }
    }
}
