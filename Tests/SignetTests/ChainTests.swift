import Foundation
import SignetCore
import SwiftASN1
import Testing
import X509

/// Root → issuing CA → leaf, with an openssl-made CSR, checked by openssl.
@Suite struct ChainTests {
    @Test func leafFromOpenSSLCSRVerifiesWithOpenSSLAndCarriesExactlyTheProfile() async throws {
        let fixture = try await GateFixture.get()
        let scratch = try Scratch()
        let csr = try OpenSSLCSR.make(
            subject: "/CN=device-0001/O=Someone Else/C=US",
            extensions: ["subjectAltName=DNS:device-0001.fleet.example", "keyUsage=keyEncipherment", "extendedKeyUsage=serverAuth"],
            in: scratch
        )
        let issued = try await fixture.environment.core.issue(csr: csr, caID: fixture.subID, requester: Requester("test"))

        let rootFile = try scratch.write("root.pem", fixture.pem(fixture.root))
        let subFile = try scratch.write("sub.pem", fixture.pem(fixture.sub))
        let leafFile = try scratch.write("leaf.pem", fixture.pem(issued.certificate))
        let verify = try Tool.run("openssl", ["verify", "-x509_strict", "-CAfile", rootFile, "-untrusted", subFile, leafFile])
        #expect(verify.status == 0, "\(verify.output) \(verify.error)")
        #expect(verify.output.contains("leaf.pem: OK"))

        // iot-device: honor_subject false, organisation fixed, CN from the CSR.
        let leaf = issued.certificate
        #expect(leaf.subject.description == "CN=device-0001,O=Signet IoT Fleet")
        #expect(leaf.issuer == fixture.sub.subject)
        let extensions = leaf.extensions
        #expect(try extensions.basicConstraints == .notCertificateAuthority)
        #expect(extensions.first { $0.oid == .X509ExtensionID.basicConstraints }?.critical == true)
        #expect(try extensions.keyUsage == KeyUsage(digitalSignature: true, keyAgreement: true))
        #expect(extensions.first { $0.oid == .X509ExtensionID.keyUsage }?.critical == true)
        #expect(try extensions.extendedKeyUsage == ExtendedKeyUsage([.clientAuth]))
        #expect(try extensions.subjectAlternativeNames == SubjectAlternativeNames([.dnsName("device-0001.fleet.example")]))
        #expect(try extensions.authorityKeyIdentifier?.keyIdentifier == fixture.sub.extensions.subjectKeyIdentifier?.keyIdentifier)
        #expect(try extensions.subjectKeyIdentifier == SubjectKeyIdentifier(hash: leaf.publicKey))
        let oids = Set(extensions.map(\.oid))
        #expect(oids == [
            .X509ExtensionID.basicConstraints, .X509ExtensionID.keyUsage, .X509ExtensionID.extendedKeyUsage,
            .X509ExtensionID.subjectAlternativeName, .X509ExtensionID.subjectKeyIdentifier, .X509ExtensionID.authorityKeyIdentifier,
            [2, 5, 29, 31], .X509ExtensionID.authorityInformationAccess,
        ])
        let text = try Tool.run("openssl", ["x509", "-in", leafFile, "-noout", "-text"]).output
        #expect(text.contains("URI:https://signet.test/crl/\(fixture.subID)"))
        #expect(text.contains("OCSP - URI:https://signet.test/ocsp"))

        // Serial: positive, 16 octets, lowercase hex in the store.
        #expect(leaf.serialNumber.bytes.count == 16)
        #expect(leaf.serialNumber.bytes[0] & 0x80 == 0)
        #expect(issued.record.serialNumber == issued.record.serialNumber.lowercased())
    }

    @Test func caCertificatesAreCAsWithCertAndCRLSigning() async throws {
        let fixture = try await GateFixture.get()
        for ca in [fixture.root, fixture.sub] {
            #expect(try ca.extensions.basicConstraints == .isCertificateAuthority(maxPathLength: nil))
            let usage = try #require(try ca.extensions.keyUsage)
            #expect(usage.keyCertSign && usage.cRLSign)
            #expect(ca.publicKey.isValidSignature(ca.signature, for: ca) == (ca == fixture.root))
        }
        #expect(fixture.sub.notValidAfter <= fixture.root.notValidAfter)
        let cas = try await fixture.environment.stores.cas.cas()
        let root = try #require(cas.first { $0.id == fixture.rootID })
        let sub = try #require(cas.first { $0.id == fixture.subID })
        #expect(root.level == 0 && root.kind == .root && root.parentID == nil)
        #expect(sub.level == 1 && sub.kind == .subordinate && sub.parentID == fixture.rootID)
        #expect(sub.profileID == "subordinate-ca" && sub.issuanceProfileID == "iot-device")
        #expect(sub.keyURI?.hasPrefix("pkcs11:token=\(fixture.environment.tokenLabel);") == true)
    }

    @Test func issuedCertificatesAreStoredBeforeTheyAreReturned() async throws {
        let fixture = try await GateFixture.get()
        let scratch = try Scratch()
        for index in 0..<3 {
            let csr = try OpenSSLCSR.make(subject: "/CN=stored-\(index)", in: scratch)
            let issued = try await fixture.environment.core.issue(csr: csr, caID: fixture.subID, requester: Requester("test-store"))
            let stored = try #require(try await fixture.environment.stores.certificates.certificate(serialNumber: issued.record.serialNumber))
            #expect(stored.der == (try issued.certificate.der()))
            #expect(stored.profileID == "iot-device")
            #expect(stored.profileVersion == (try GateFixture.policy("iot-device")).versionHash)
            #expect(stored.keyType == "ECDSA" && stored.keySize == 256)
            let decisions = try await fixture.environment.rows(
                "SELECT outcome FROM decisions WHERE id = \(issued.decisionID) AND serial_number = \(issued.record.serialNumber)", as: String.self
            )
            #expect(decisions == ["APPROVED"])
        }
    }
}
