import Foundation
@testable import SignetCore
import Testing

/// The OCSP request reader takes bytes from anyone: whatever they are, it answers with a
/// request or an error, never a crash.
@Suite struct OCSPRequestReaderTests {
    @Test func mutatedRequestsNeverCrashTheReader() throws {
        let scratch = try Scratch()
        let key = scratch.path("ca.key"), ca = scratch.path("ca.pem"), request = scratch.path("req.der")
        _ = try Tool.run("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-subj", "/CN=Fuzz CA", "-days", "1", "-out", ca])
        _ = try Tool.run("openssl", ["ocsp", "-issuer", ca, "-nonce", "-serial", "0x1234567890abcdef", "-serial", "0x01", "-reqout", request])
        let valid = try scratch.read("req.der")
        let parsed = try OCSPRequestReader.read(valid)
        #expect(parsed.certIDs.map(\.serialNumber) == ["1234567890abcdef", "01"])
        #expect(parsed.nonceExtension != nil)

        var generator = SystemRandomNumberGenerator()
        var accepted = 0
        for _ in 0..<20_000 {
            var bytes = valid
            switch Int.random(in: 0..<4, using: &generator) {
            case 0: bytes[Int.random(in: 0..<bytes.count, using: &generator)] = .random(in: .min ... .max, using: &generator)
            case 1: bytes = Array(bytes.prefix(Int.random(in: 0..<bytes.count, using: &generator)))
            case 2: bytes.insert(.random(in: .min ... .max, using: &generator), at: Int.random(in: 0...bytes.count, using: &generator))
            default: bytes = (0..<Int.random(in: 0..<64, using: &generator)).map { _ in .random(in: .min ... .max, using: &generator) }
            }
            if (try? OCSPRequestReader.read(bytes)) != nil { accepted += 1 }
        }
        // Some mutations (inside hashes or the nonce) still make a valid request; most do not.
        #expect(accepted > 0 && accepted < 20_000)
    }
}
