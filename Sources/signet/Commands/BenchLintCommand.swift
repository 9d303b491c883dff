import ArgumentParser
import Crypto
import Foundation
import SignetCore
import SwiftASN1
import X509

/// The in-process lint's cost on the sign path, alone: no token, no database. A leaf like the
/// gate issues (P-256, O and CN, basicConstraints, keyUsage, EKU, SAN, SKI, AKI, CRL DP,
/// AIA), a CRL entry with a reason and an invalidity date, a one-certificate OCSP
/// ResponseData with a nonce. Building the same certificate with swift-certificates is
/// timed beside it for scale.
struct BenchLint: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "lint", abstract: "Microseconds per linted certificate, CRL entry and OCSP response (prints figures).")
    @Option(help: "Iterations per measurement.") var count: Int = 20000

    func run() throws {
        let caKey = P256.Signing.PrivateKey(), leafKey = P256.Signing.PrivateKey()
        let issuer = try DistinguishedName { OrganizationName("Signet Bench"); CommonName("Bench Issuing CA") }
        let subject = try DistinguishedName { OrganizationName("Signet IoT Fleet"); CommonName("device-000123") }
        let now = Date()
        func build() throws -> Certificate {
            try Certificate(
                version: .v3, serialNumber: Certificate.SerialNumber(bytes: [0x40] + (0..<15).map { _ in UInt8.random(in: 0...255) }),
                publicKey: Certificate.PublicKey(leafKey.publicKey), notValidBefore: now, notValidAfter: now.addingTimeInterval(365 * 86400),
                issuer: issuer, subject: subject, signatureAlgorithm: .ecdsaWithSHA256,
                extensions: try Certificate.Extensions {
                    Critical(BasicConstraints.notCertificateAuthority)
                    Critical(KeyUsage(digitalSignature: true, keyAgreement: true))
                    try ExtendedKeyUsage([.clientAuth])
                    SubjectAlternativeNames([.dnsName("device-000123.fleet.example")])
                    SubjectKeyIdentifier(hash: Certificate.PublicKey(leafKey.publicKey))
                    AuthorityKeyIdentifier(keyIdentifier: ArraySlice(SHA256.hash(data: caKey.publicKey.x963Representation).prefix(20)))
                    Certificate.Extension(oid: [2, 5, 29, 31], critical: false, value: ArraySlice(DERBytes.sequence(DERBytes.sequence(DERBytes.tlv(0xA0, DERBytes.tlv(0xA0, DERBytes.tlv(0x86, Array("https://signet.example/crl/bench".utf8))))))))
                    AuthorityInformationAccess([.init(method: .ocspServer, location: .uniformResourceIdentifier("https://signet.example/ocsp"))])
                },
                issuerPrivateKey: Certificate.PrivateKey(caKey)
            )
        }
        let certificate = try build()
        let tbs = certificate.tbsCertificateBytes
        let algorithm = DERBytes.sequence(DERBytes.oid([1, 2, 840, 10045, 4, 3, 2]))
        guard CertificateLint.lint(tbs: tbs, signatureAlgorithm: algorithm[...]).findings.isEmpty else {
            throw ValidationError("the bench certificate does not lint clean: \(CertificateLint.lint(tbs: tbs, signatureAlgorithm: algorithm[...]).findings)")
        }
        let lintMicros = measure(count) { _ in _ = CertificateLint.lint(tbs: tbs, signatureAlgorithm: algorithm[...]) }
        let buildMicros = measure(max(1, count / 10)) { _ in _ = try? build() }
        print(String(format: "certificate lint: %.1f µs per certificate (TBS of %d bytes)", lintMicros, tbs.count))
        print(String(format: "for scale, building and software-signing the same certificate: %.1f µs", buildMicros))

        let entries = (0..<count).map { index in
            DERBytes.sequence(
                DERBytes.unsignedInteger([0x40] + withUnsafeBytes(of: UInt64(index).bigEndian) { Array($0) } + [1, 2, 3, 4, 5, 6, 7]),
                DERBytes.time(now),
                DERBytes.sequence(DERBytes.extension([2, 5, 29, 21], value: DERBytes.enumerated(1)), DERBytes.extension([2, 5, 29, 24], value: DERBytes.generalizedTime(now)))
            )
        }
        var entryLint = CRLEntryLint()
        let entryMicros = measure(entries.count) { index in entryLint.check(entries[index]) }
        print(String(format: "CRL entry lint: %.2f µs per entry (%d entries, %@)", entryMicros, entries.count, entryLint.report.passed ? "no errors" : "errors!"))

        let certID = DERBytes.sequence(DERBytes.sequence(DERBytes.oid([1, 3, 14, 3, 2, 26]), DERBytes.null),
                                       DERBytes.octetString(Array(repeating: 1, count: 20)), DERBytes.octetString(Array(repeating: 2, count: 20)), DERBytes.unsignedInteger(Array(certificate.serialNumber.bytes)))
        let single = DERBytes.sequence(certID, [0x80, 0x00], DERBytes.generalizedTime(now), DERBytes.explicit(0, DERBytes.generalizedTime(now.addingTimeInterval(3600))))
        let data = DERBytes.sequence(DERBytes.explicit(2, DERBytes.octetString(Array(repeating: 3, count: 20))), DERBytes.generalizedTime(now), DERBytes.sequence(single),
                                     DERBytes.explicit(1, DERBytes.sequence(DERBytes.extension([1, 3, 6, 1, 5, 5, 7, 48, 1, 2], value: DERBytes.octetString(Array(repeating: 9, count: 16))))))
        let ocspMicros = measure(count) { _ in _ = OCSPLint.lint(responseData: data) }
        print(String(format: "OCSP ResponseData lint: %.1f µs per response", ocspMicros))
    }

    /// Mean microseconds per call of `body` over `count` calls.
    private func measure(_ count: Int, _ body: (Int) -> Void) -> Double {
        let start = ContinuousClock.now
        for index in 0..<count { body(index) }
        let elapsed = ContinuousClock.now - start
        return (Double(elapsed.components.seconds) * 1e6 + Double(elapsed.components.attoseconds) / 1e12) / Double(count)
    }
}
