import Crypto
import _CryptoExtras
import Foundation
import SignetCore
import SwiftASN1
import Testing
import X509

/// CSR × profile: every honour/override flag and every crypto-enforcement rule, accepted and refused.
@Suite struct IssuanceRuleTests {
    enum Expectation: Sendable {
        case issued(@Sendable (Certificate) throws -> Void)
        case refused(String)
    }

    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let profile: String
        let change: @Sendable (inout IssuanceProfile) -> Void
        let subject: String
        let key: [String]
        let extensions: [String]
        let expectation: Expectation
        var testDescription: String { name }

        init(_ name: String, profile: String = "iot-device", change: @escaping @Sendable (inout IssuanceProfile) -> Void = { _ in },
             subject: String = "/CN=device-x/O=Requested Org/C=US", key: [String] = p256, extensions: [String] = [], _ expectation: Expectation) {
            self.name = name
            self.profile = profile
            self.change = change
            self.subject = subject
            self.key = key
            self.extensions = extensions
            self.expectation = expectation
        }
    }

    static let p256 = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"]
    static let p384 = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-384"]
    static let secp256k1 = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:secp256k1"]
    static func rsa(_ bits: Int) -> [String] { ["-newkey", "rsa:\(bits)"] }

    static let cases: [Case] = [
        // honor_subject
        Case("honor_subject false: profile subject, CN through {csr.common_name}", change: { $0.honorSubject = false },
             .issued { c throws in #expect(c.subject.description == "CN=device-x,O=Signet IoT Fleet") }),
        Case("honor_subject false ignores the CSR subject entirely: no CN unless the template names one", change: { $0.honorSubject = false; $0.subject.commonName = "" },
             subject: "/CN=device-x/O=Requested Org/OU=Line 3/C=US/serialNumber=42",
             .issued { c throws in #expect(c.subject.description == "O=Signet IoT Fleet") }),
        Case("a hole with literal text around it", change: { $0.subject.commonName = "{csr.common_name}.plant-7" },
             .issued { c throws in #expect(c.subject.description == "CN=device-x.plant-7,O=Signet IoT Fleet") }),
        Case("a filled template beyond RFC 5280's bound is refused", change: { $0.subject.commonName = "{csr.common_name}.plant-7" },
             subject: "/CN=\(String(repeating: "d", count: 60))", .refused("subject.template")),
        Case("{csr.common_name} for a CSR without a common name is refused", subject: "/O=Requested Org", .refused("subject.template")),
        Case("{device_id} without an enrolled device is refused", change: { $0.subject.commonName = "{device_id}" }, .refused("subject.template")),
        Case("honor_subject false: a profile common_name replaces the CSR's", change: { $0.honorSubject = false; $0.subject.commonName = "fixed-name" },
             .issued { c throws in #expect(c.subject.description == "CN=fixed-name,O=Signet IoT Fleet") }),
        Case("honor_subject true: CSR merged, non-empty profile fields win", change: { $0.honorSubject = true },
             .issued { c throws in #expect(c.subject.description == "CN=device-x,O=Signet IoT Fleet,C=US") }),
        Case("honor_subject true with an empty profile subject keeps the CSR subject", change: { $0.honorSubject = true; $0.subject = .init() },
             subject: "/C=US/ST=Bavaria/L=Munich/O=Requested Org/OU=Line 3/CN=device-y",
             .issued { c throws in #expect(c.subject.description == "CN=device-y,OU=Line 3,O=Requested Org,L=Munich,ST=Bavaria,C=US") }),
        // honor_key_usage
        Case("honor_key_usage false: the profile's key usage", change: { $0.honorKeyUsage = false }, extensions: ["keyUsage=keyEncipherment"],
             .issued { c throws in #expect(try c.extensions.keyUsage == KeyUsage(digitalSignature: true, keyAgreement: true)) }),
        Case("honor_key_usage true: the CSR's key usage", change: { $0.honorKeyUsage = true }, extensions: ["keyUsage=digitalSignature,nonRepudiation"],
             .issued { c throws in #expect(try c.extensions.keyUsage == KeyUsage(digitalSignature: true, nonRepudiation: true)) }),
        Case("honor_key_usage true without a requested key usage: the profile's", change: { $0.honorKeyUsage = true },
             .issued { c throws in #expect(try c.extensions.keyUsage == KeyUsage(digitalSignature: true, keyAgreement: true)) }),
        Case("honor_key_usage true: keyCertSign under a non-CA profile is refused", change: { $0.honorKeyUsage = true }, extensions: ["keyUsage=digitalSignature,keyCertSign"],
             .refused("honor_key_usage")),
        // honor_extended_key_usages
        Case("honor_extended_key_usages false: the profile's EKU", change: { $0.honorExtendedKeyUsages = false }, extensions: ["extendedKeyUsage=serverAuth"],
             .issued { c throws in #expect(try c.extensions.extendedKeyUsage == ExtendedKeyUsage([.clientAuth])) }),
        Case("honor_extended_key_usages true: the CSR's EKU, chosen among the profile's", change: { $0.honorExtendedKeyUsages = true; $0.extendedKeyUsages = [.clientAuth, .serverAuth, .codeSigning] },
             extensions: ["extendedKeyUsage=serverAuth,codeSigning"],
             .issued { c throws in #expect(try c.extensions.extendedKeyUsage == ExtendedKeyUsage([.serverAuth, .codeSigning])) }),
        Case("honor_extended_key_usages true: an EKU the profile does not grant is refused", change: { $0.honorExtendedKeyUsages = true }, extensions: ["extendedKeyUsage=clientAuth,serverAuth"],
             .refused("extended_key_usages")),
        Case("honor_extended_key_usages true: OCSPSigning cannot be requested", change: { $0.honorExtendedKeyUsages = true; $0.extendedKeyUsages = [.clientAuth, .serverAuth, .codeSigning, .emailProtection, .timeStamping] },
             extensions: ["extendedKeyUsage=OCSPSigning"], .refused("extended_key_usages")),
        Case("a profile without EKU issues none", change: { $0.extendedKeyUsages = [] },
             .issued { c throws in #expect(try c.extensions.extendedKeyUsage == nil) }),
        // honor_extensions
        Case("honor_extensions true: subjectAltName copied", change: { $0.honorExtensions = true }, extensions: ["subjectAltName=DNS:a.example,IP:10.0.0.7"],
             .issued { c throws in #expect(try c.extensions.subjectAlternativeNames == SubjectAlternativeNames([.dnsName("a.example"), .ipAddress(ASN1OctetString(contentBytes: [10, 0, 0, 7]))])) }),
        Case("honor_extensions false: subjectAltName dropped", change: { $0.honorExtensions = false }, extensions: ["subjectAltName=DNS:a.example"],
             .issued { c throws in #expect(try c.extensions.subjectAlternativeNames == nil) }),
        Case("other requested extensions are never copied", change: { $0.honorExtensions = true }, extensions: ["nsComment=copy me", "subjectAltName=DNS:b.example"],
             .issued { cert throws in #expect(!cert.extensions.contains { $0.oid == [2, 16, 840, 1, 113730, 1, 13] }) }),
        // sign_as_ca
        Case("CA:TRUE requested under a non-CA profile is refused", extensions: ["basicConstraints=critical,CA:TRUE"], .refused("sign_as_ca")),
        Case("a sign_as_ca profile never serves a sign request, even when the CA allows it", profile: "subordinate-ca", subject: "/CN=Issued Sub CA",
             extensions: ["basicConstraints=critical,CA:TRUE"], .refused("ca.path")),
        // crypto baseline (every profile)
        Case("RSA 1024 is refused by the baseline", key: rsa(1024), .refused("crypto.baseline")),
        Case("RSA 1024 is refused even without enforcement", change: { $0.cryptoEnforcement.enabled = false }, key: rsa(1024), .refused("crypto.baseline")),
        Case("secp256k1 is refused by the baseline", change: { $0.cryptoEnforcement.enabled = false }, key: secp256k1, .refused("crypto.baseline")),
        Case("Ed25519 is refused by the baseline", change: { $0.cryptoEnforcement.enabled = false }, key: ["-newkey", "ed25519"], .refused("crypto.baseline")),
        // crypto enforcement
        Case("RSA when the profile allows no RSA", change: { $0.cryptoEnforcement.allowRSAKeys = false }, key: rsa(2048), .refused("crypto_enforcement.allow_rsa_keys")),
        Case("RSA size outside the allowed sizes", change: { $0.cryptoEnforcement.allowedRSAKeySizes = [2048] }, key: rsa(3072), .refused("crypto_enforcement.allowed_rsa_key_sizes")),
        Case("ECDSA when the profile allows no ECDSA", change: { $0.cryptoEnforcement.allowECDSAKeys = false }, .refused("crypto_enforcement.allow_ecdsa_keys")),
        Case("ECDSA size outside the allowed sizes", change: { $0.cryptoEnforcement.allowedECDSAKeySizes = [256] }, key: p384, .refused("crypto_enforcement.allowed_ecdsa_key_sizes")),
        Case("RSA 2048 inside the allowed sizes", key: rsa(2048),
             .issued { c throws in #expect(_RSAKeyBits(c.publicKey) == 2048) }),
        Case("P-384 inside the allowed sizes", key: p384,
             .issued { c throws in #expect(P384PublicKey(c.publicKey)) }),
        Case("without enforcement any baseline key passes", change: { $0.cryptoEnforcement.enabled = false }, key: rsa(4096),
             .issued { c throws in #expect(_RSAKeyBits(c.publicKey) == 4096) }),
        // validity
        Case("Time validity in the past is refused", change: { $0.validity = .init(type: .time, time: "2020-01-01T00:00:00Z") }, .refused("validity")),
        Case("Time validity sets notAfter", change: { $0.validity = .init(type: .time, time: "2027-06-30T12:00:00Z") },
             .issued { c throws in #expect(c.notValidAfter == RFC3339.date("2027-06-30T12:00:00Z")) }),
    ]

    @Test(arguments: cases)
    func csrAgainstProfile(_ testCase: Case) async throws {
        let fixture = try await GateFixture.get()
        let profileID = try await fixture.profile(from: testCase.profile, testCase.change)
        let csr = try OpenSSLCSR.make(subject: testCase.subject, keyArguments: testCase.key, extensions: testCase.extensions, in: try Scratch())
        let certificatesBefore = try await fixture.environment.rows("SELECT count(*) FROM certificates WHERE profile_id = \(profileID)", as: Int.self)
        #expect(certificatesBefore == [0])
        switch testCase.expectation {
        case .issued(let check):
            let issued = try await fixture.environment.core.issue(csr: csr, caID: fixture.subID, profileID: profileID, requester: Requester("test"))
            #expect(fixture.sub.publicKey.isValidSignature(issued.certificate.signature, for: issued.certificate))
            try check(issued.certificate)
            let stored = try await fixture.environment.rows("SELECT serial_number FROM certificates WHERE profile_id = \(profileID)", as: String.self)
            #expect(stored == [issued.record.serialNumber])
        case .refused(let rule):
            let error = await #expect(throws: GateError.self) {
                try await fixture.environment.core.issue(csr: csr, caID: fixture.subID, profileID: profileID, requester: Requester("test"))
            }
            guard case .refused(let refusal)? = error else { Issue.record("expected a refusal, got \(String(describing: error))"); return }
            #expect(refusal.rule == rule, "\(refusal.detail)")
            let decisions = try await fixture.environment.rows(
                "SELECT failed_rule FROM decisions WHERE profile_id = \(profileID) AND outcome = 'REFUSED'", as: String.self
            )
            #expect(decisions == [rule])
            let after = try await fixture.environment.rows("SELECT count(*) FROM certificates WHERE profile_id = \(profileID)", as: Int.self)
            #expect(after == [0])
        }
    }
}

func _RSAKeyBits(_ key: Certificate.PublicKey) -> Int? {
    _RSA.Signing.PublicKey(key)?.keySizeInBits
}

func P384PublicKey(_ key: Certificate.PublicKey) -> Bool {
    P384.Signing.PublicKey(key) != nil
}
