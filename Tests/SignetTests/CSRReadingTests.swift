import Foundation
import SignetCore
import Testing

/// The forms a CSR arrives in (DER, base64 of DER, PEM with text around it, base64 of PEM)
/// all read as the same DER; a PEM block without its END line reads as nothing.
@Suite struct CSRReadingTests {
    static let der: [UInt8] = [0x30, 0x03, 0x02, 0x01, 0x05] + Array(repeating: 0x2D, count: 12)

    static var base64: String { Data(der).base64EncodedString() }

    static var pem: String {
        "-----BEGIN CERTIFICATE REQUEST-----\r\n\(base64.prefix(8))\r\n\(base64.dropFirst(8))\r\n-----END CERTIFICATE REQUEST-----\r\n"
    }

    @Test(arguments: [
        ("DER", der),
        ("base64 of DER", Array(base64.utf8)),
        ("base64 with line breaks", Array("\(base64.prefix(5))\n \(base64.dropFirst(5))\n".utf8)),
        ("PEM with CRLF and text before it", Array("Certificate request for line 3 -- see ticket\n\(pem)".utf8)),
        ("base64 of PEM", Array(Data(pem.utf8).base64EncodedString().utf8)),
    ])
    func everyFormReadsAsTheSameDER(form: (String, [UInt8])) {
        #expect(CSRReading.der(from: form.1) == Self.der, "\(form.0)")
    }

    @Test func aPEMBlockWithoutItsEndLineIsNotRead() {
        let cut = String(Self.pem.prefix(while: { $0 != "=" }).dropLast(4))
        #expect(CSRReading.der(from: Array(cut.utf8)) == nil)
        #expect(CSRReading.der(from: Array("-----BEGIN".utf8)) == nil)
    }
}
