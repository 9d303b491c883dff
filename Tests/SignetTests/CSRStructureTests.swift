import Crypto
import Foundation
import SignetCore
import SwiftASN1
import Testing
import X509

/// Requests a hostile client writes by hand: each is refused with the rule it broke and the
/// kind of mistake, recorded, and nothing is issued. Each passed the gate before it knew them.
@Suite struct CSRStructureTests {
    struct Hostile: Sendable, CustomTestStringConvertible {
        let name: String
        let rule: String
        let kind: Refusal.Kind
        let csr: @Sendable (Scratch) throws -> [UInt8]
        var testDescription: String { name }
    }

    static func withAttributes(_ attributes: [[UInt8]]) -> RawCSR {
        var csr = RawCSR(commonName: "structure-probe")
        csr.attributes = attributes
        return csr
    }

    static let cn = RawCSR.commonName
    static let hostile: [Hostile] = [
        Hostile(name: "PKCS#10 version 3", rule: "csr.structure", kind: .malformed) { _ in
            var csr = RawCSR(commonName: "structure-probe"); csr.version = 2; return try csr.der()
        },
        Hostile(name: "two extension-request attributes", rule: "csr.structure", kind: .malformed) { _ in
            let request = RawCSR.extensionRequest([RawCSR.subjectAltName([RawCSR.dns("a.example.com")])])
            return try withAttributes([request, request]).der()
        },
        Hostile(name: "one extension requested twice", rule: "csr.structure", kind: .malformed) { _ in
            let san = RawCSR.subjectAltName([RawCSR.dns("a.example.com")])
            return try withAttributes([RawCSR.extensionRequest([san, san])]).der()
        },
        Hostile(name: "a 64 KB common name", rule: "csr.subject", kind: .policy) { _ in
            try RawCSR(commonName: String(repeating: "a", count: 65_536)).der()
        },
        Hostile(name: "a common name of 65 characters", rule: "csr.subject", kind: .policy) { _ in
            try RawCSR(commonName: String(repeating: "é", count: 65)).der()
        },
        Hostile(name: "a common name that is not UTF-8", rule: "csr.subject", kind: .malformed) { _ in
            try RawCSR(rdns: [RawCSR.rdn(cn, RawCSR.utf8, [0x64, 0x65, 0xC3, 0x28, 0x76])]).der()
        },
        Hostile(name: "a common name with a NUL byte", rule: "csr.subject", kind: .malformed) { _ in
            try RawCSR(rdns: [RawCSR.rdn(cn, RawCSR.utf8, Array("good\u{0}evil.example.com".utf8))]).der()
        },
        Hostile(name: "three hundred RDNs", rule: "csr.subject", kind: .policy) { _ in
            try RawCSR(rdns: (0..<300).map { RawCSR.rdn([2, 5, 4, 11], RawCSR.utf8, Array("unit \($0)".utf8)) }).der()
        },
        Hostile(name: "a multi-valued RDN", rule: "csr.subject", kind: .policy) { _ in
            let pair = DERBytes.set(of: [RawCSR.attribute(cn, RawCSR.utf8, Array("a".utf8)), RawCSR.attribute([2, 5, 4, 10], RawCSR.utf8, Array("b".utf8))])
            return try RawCSR(rdns: [pair]).der()
        },
        Hostile(name: "a PrintableString holding '@'", rule: "csr.subject", kind: .malformed) { _ in
            try RawCSR(rdns: [RawCSR.rdn(cn, RawCSR.printable, Array("user@example".utf8))]).der()
        },
        Hostile(name: "a BMPString common name", rule: "csr.subject", kind: .policy) { _ in
            try RawCSR(rdns: [RawCSR.rdn(cn, RawCSR.bmp, [0, 0x61, 0, 0x62])]).der()
        },
        Hostile(name: "a three-letter country", rule: "csr.subject", kind: .policy) { _ in
            try RawCSR(rdns: [RawCSR.rdn([2, 5, 4, 6], RawCSR.printable, Array("USA".utf8)), RawCSR.rdn(cn, RawCSR.utf8, Array("x".utf8))]).der()
        },
        Hostile(name: "a givenName beyond RFC 5280's 16 characters", rule: "csr.subject", kind: .policy) { _ in
            try RawCSR(rdns: [RawCSR.rdn([2, 5, 4, 42], RawCSR.utf8, Array(String(repeating: "g", count: 17).utf8)), RawCSR.rdn(cn, RawCSR.utf8, Array("x".utf8))]).der()
        },
        Hostile(name: "an empty common name", rule: "csr.subject", kind: .policy) { _ in
            try RawCSR(rdns: [RawCSR.rdn(cn, RawCSR.utf8, [])]).der()
        },
        Hostile(name: "an unknown subject attribute type", rule: "csr.subject", kind: .policy) { _ in
            try RawCSR(rdns: [RawCSR.rdn([1, 3, 6, 1, 4, 1, 99999, 1], RawCSR.utf8, Array("x".utf8)), RawCSR.rdn(cn, RawCSR.utf8, Array("x".utf8))]).der()
        },
        Hostile(name: "ten thousand DNS names", rule: "csr.subject_alt_name", kind: .policy) { _ in
            let names = (0..<10_000).map { RawCSR.dns("host-\($0).example.com") }
            return try withAttributes([RawCSR.extensionRequest([RawCSR.subjectAltName(names)])]).der()
        },
        Hostile(name: "a DNS name with an underscore and a space", rule: "csr.subject_alt_name", kind: .malformed) { _ in
            try withAttributes([RawCSR.extensionRequest([RawCSR.subjectAltName([RawCSR.dns("bad_name .example.com")])])]).der()
        },
        Hostile(name: "a wildcard DNS name", rule: "csr.subject_alt_name", kind: .policy) { _ in
            try withAttributes([RawCSR.extensionRequest([RawCSR.subjectAltName([RawCSR.dns("*.example.com")])])]).der()
        },
        Hostile(name: "an IP address of five octets", rule: "csr.subject_alt_name", kind: .malformed) { _ in
            try withAttributes([RawCSR.extensionRequest([RawCSR.subjectAltName([(0x87, [10, 0, 0, 1, 9])])])]).der()
        },
        Hostile(name: "a URI without a scheme", rule: "csr.subject_alt_name", kind: .malformed) { _ in
            try withAttributes([RawCSR.extensionRequest([RawCSR.subjectAltName([(0x86, Array("just/a/path".utf8))])])]).der()
        },
        Hostile(name: "an e-mail address without '@'", rule: "csr.subject_alt_name", kind: .malformed) { _ in
            try withAttributes([RawCSR.extensionRequest([RawCSR.subjectAltName([(0x81, Array("nobody.example.com".utf8))])])]).der()
        },
        Hostile(name: "a registeredID name", rule: "csr.subject_alt_name", kind: .policy) { _ in
            try withAttributes([RawCSR.extensionRequest([RawCSR.subjectAltName([(0x88, [0x2A, 0x03])])])]).der()
        },
        Hostile(name: "a proof of possession signed with ECDSA and SHA-1", rule: "crypto.csr_signature", kind: .policy) { _ in
            var csr = RawCSR(commonName: "structure-probe"); csr.sha1 = true; return try csr.der()
        },
        Hostile(name: "a proof of possession signed with RSA and SHA-1", rule: "crypto.csr_signature", kind: .policy) { scratch in
            try OpenSSLCSR.make(subject: "/CN=structure-probe", keyArguments: ["-newkey", "rsa:2048", "-sha1"], in: scratch)
        },
        Hostile(name: "an RSA public exponent of 3", rule: "crypto.baseline", kind: .policy) { scratch in
            let key = scratch.path(unique("e3") + ".key")
            _ = try Tool.run("openssl", ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-pkeyopt", "rsa_keygen_pubexp:3", "-out", key])
            _ = try Tool.run("openssl", ["req", "-new", "-key", key, "-subj", "/CN=structure-probe", "-out", key + ".csr"])
            return Array(try Data(contentsOf: URL(fileURLWithPath: key + ".csr")))
        },
        Hostile(name: "an EC point that is not on the curve", rule: "csr.decode", kind: .malformed) { _ in
            var csr = RawCSR(commonName: "structure-probe")
            var spki = Array(csr.key.publicKey.derRepresentation)
            spki[spki.count - 1] ^= 0x01 // the point's last y octet
            csr.spki = spki
            return try csr.der()
        },
    ]

    /// A profile that honours the subject and extensions, so that every part of a request counts.
    static func honouringProfile(_ fixture: GateFixture) async throws -> String {
        try await fixture.profile(from: "tls-server")
    }

    @Test(arguments: hostile)
    func hostileRequestsAreRefusedWithTheirRule(_ request: Hostile) async throws {
        let fixture = try await GateFixture.get()
        let profileID = try await Self.honouringProfile(fixture)
        let requester = unique("hostile")
        let csr = try request.csr(try Scratch())
        let error = await #expect(throws: GateError.self) {
            try await fixture.environment.core.issue(csr: csr, caID: fixture.subID, profileID: profileID, requester: Requester(requester))
        }
        guard case .refused(let refusal)? = error else { Issue.record("expected a refusal, got \(String(describing: error))"); return }
        #expect(refusal.rule == request.rule, "\(refusal.detail)")
        #expect(refusal.kind == request.kind, "\(refusal.detail)")
        let recorded = try await fixture.environment.rows("SELECT failed_rule FROM decisions WHERE requester = \(requester)", as: String.self)
        #expect(recorded == [request.rule])
        let issued = try await fixture.environment.rows("SELECT count(*) FROM certificates WHERE requester = \(requester)", as: Int.self)
        #expect(issued == [0])
    }

    @Test func theSameBuilderMakesRequestsTheGateSigns() async throws {
        let fixture = try await GateFixture.get()
        let profileID = try await Self.honouringProfile(fixture)
        var csr = RawCSR(rdns: [
            RawCSR.rdn([2, 5, 4, 6], RawCSR.printable, Array("DE".utf8)),
            RawCSR.rdn([2, 5, 4, 10], RawCSR.utf8, Array("Fabrik Süd".utf8)),
            RawCSR.rdn(RawCSR.commonName, RawCSR.utf8, Array(String(repeating: "ü", count: 64).utf8)),
        ])
        csr.attributes = [RawCSR.extensionRequest([RawCSR.subjectAltName([
            RawCSR.dns("line-3.plant.example.com"), (0x87, [192, 0, 2, 7]), (0x86, Array("spiffe://fleet.example/line/3".utf8)), (0x81, Array("ops@example.com".utf8)),
        ])])]
        let issued = try await fixture.environment.core.issue(csr: try csr.der(), caID: fixture.subID, profileID: profileID, requester: Requester("test-raw"))
        #expect(issued.certificate.subject.commonName?.count == 64)
        #expect(try issued.certificate.extensions.subjectAlternativeNames?.count == 4)
    }

    @Test func base64OfAPEMRequestIsReadAsTheREADMESends() async throws {
        let fixture = try await GateFixture.get()
        let pem = try OpenSSLCSR.make(subject: "/CN=readme-device", in: try Scratch())
        let wrapped = Array(Data(pem).base64EncodedString().utf8)
        let issued = try await fixture.environment.core.issue(csr: wrapped, caID: fixture.subID, requester: Requester("test-readme"))
        #expect(issued.certificate.subject.commonName == "readme-device")
    }

    @Test func sha1IsAcceptedOnlyWhereAProfileOptsIn() async throws {
        let fixture = try await GateFixture.get()
        let legacy = try await fixture.profile(from: "iot-device") { $0.allowSHA1CSRSignatures = true }
        let csr = try OpenSSLCSR.make(subject: "/CN=legacy-device", keyArguments: ["-newkey", "rsa:2048", "-sha1"], in: try Scratch())
        let issued = try await fixture.environment.core.issue(csr: csr, caID: fixture.subID, profileID: legacy, requester: Requester("test-sha1"))
        #expect(issued.certificate.subject.commonName == "legacy-device")
        #expect(issued.certificate.signatureAlgorithm == .ecdsaWithSHA256, "the certificate itself is signed with the CA's algorithm")
    }

    @Test func aNulInTheCommonNameIsA400OverHTTPS() async throws {
        let server = try await ServerFixture.get()
        let der = try RawCSR(rdns: [RawCSR.rdn(RawCSR.commonName, RawCSR.utf8, Array("nul\u{0}byte".utf8))]).der()
        let result = try server.curl("POST", "/api/ca/v1/cas/\(server.gate.subID)/sign", token: server.token(["operator"]),
                                     body: try server.json(["csr": Data(der).base64EncodedString()]))
        #expect(result.status == 400, "\(result.text)")
        let error = (try result.json()["error"] as? [String: Any]) ?? [:]
        #expect(error["rule"] as? String == "csr.subject")
        #expect((error["message"] as? String)?.contains("U+0") == true, "\(result.text)")
    }
}
