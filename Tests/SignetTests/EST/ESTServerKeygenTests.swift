import Foundation
import Testing

/// `/serverkeygen`: the token's generator makes the key; the client gets it once, with a
/// certificate for it, and Signet keeps no copy.
@Suite struct ESTServerKeygenTests {
    /// The parts of a multipart/mixed answer: (Content-Type, decoded body).
    static func parts(_ answer: ESTFixture.Answer) throws -> [(type: String, der: [UInt8])] {
        let type = try #require(answer.header("Content-Type"))
        let boundary = try #require(type.components(separatedBy: "boundary=").last)
        return answer.text.components(separatedBy: "--\(boundary)").compactMap { part in
            let sections = part.components(separatedBy: "\r\n\r\n")
            guard sections.count == 2, let header = sections[0].split(separator: "\r\n").first(where: { $0.lowercased().hasPrefix("content-type:") }) else { return nil }
            let body = Data(base64Encoded: sections[1], options: .ignoreUnknownCharacters) ?? Data()
            return (String(header.dropFirst("content-type:".count)).trimmingCharacters(in: .whitespaces), Array(body))
        }
    }

    func keygenFixture(_ prefix: String, keyType: String, keySize: Int) async throws -> ESTFixture {
        try await ESTFixture.make(prefix) { document, _ in
            var settings = document["settings"] as? [String: Any] ?? [:]
            settings["server_keygen_settings"] = ["enabled": true, "key_type": keyType, "key_size": keySize]
            document["settings"] = settings
        }
    }

    // One case at a time: SoftHSM has answered key generation overlapping other token work
    // with CKR_GENERAL_ERROR (seen once, creating a CA while the other case generated an RSA key).
    @Test(.serialized, arguments: [("ECDSA", 256, "id-ecPublicKey"), ("RSA", 2048, "rsaEncryption")])
    func theReturnedKeyMatchesTheReturnedCertificate(_ keyType: String, _ keySize: Int, _ algorithm: String) async throws {
        let fixture = try await keygenFixture("est-keygen", keyType: keyType, keySize: keySize)
        let device = unique("dev")
        let request = try fixture.csr("/CN=\(device)")
        let answer = try fixture.est("serverkeygen", body: request.body, certificate: try fixture.bootstrap(device))
        #expect(answer.status == 200, "\(answer.text)")
        #expect(answer.header("Content-Type")?.hasPrefix("multipart/mixed; boundary=") == true)
        let parts = try Self.parts(answer)
        #expect(parts.map(\.type) == ["application/pkcs8", "application/pkcs7-mime; smime-type=certs-only"])
        let scratch = fixture.server.scratch
        let keyFile = try scratch.write(unique("generated") + ".der", parts[0].der)
        let pkcs8 = try Tool.run("openssl", ["pkcs8", "-inform", "DER", "-nocrypt", "-in", keyFile])
        #expect(pkcs8.status == 0, "a PKCS#8 private key: \(pkcs8.error)")
        let keyText = try Tool.run("openssl", ["pkey", "-inform", "DER", "-in", keyFile, "-noout", "-text"]).output
        #expect(keyText.contains(keySize == 256 ? "ASN1 OID: prime256v1" : "Private-Key: (2048 bit"), "\(keyText.prefix(200))")

        let p7 = try scratch.write(unique("generated") + ".p7", parts[1].der)
        let printed = try Tool.run("openssl", ["pkcs7", "-inform", "DER", "-in", p7, "-print_certs"]).output
        let certificate = try scratch.write(unique("generated") + ".pem", Array(printed.utf8))
        let certificateKey = try Tool.run("openssl", ["x509", "-in", certificate, "-noout", "-pubkey"]).output
        let privateKeysPublic = try Tool.run("openssl", ["pkey", "-inform", "DER", "-in", keyFile, "-pubout"]).output
        #expect(!certificateKey.isEmpty && certificateKey == privateKeysPublic, "the certificate is for the returned key")
        let text = try Tool.run("openssl", ["x509", "-in", certificate, "-noout", "-text"]).output
        #expect(text.contains("CN=\(device)") || text.contains("CN = \(device)"))
        #expect(text.contains(algorithm))
        let clientKey = try Tool.run("openssl", ["pkey", "-in", request.key, "-pubout"]).output
        #expect(clientKey != certificateKey, "the CSR's own key was replaced")
        #expect(try fixture.registry.device(device)["status"] as? String == "ACTIVE")

        // The usable pair: the key and the certificate make a TLS client identity for renewal.
        let pem = try scratch.write(unique("generated") + ".key", Array(try Tool.run("openssl", ["pkey", "-inform", "DER", "-in", keyFile]).output.utf8))
        let renewed = try fixture.est("simplereenroll", body: try fixture.csr("/CN=\(device)").body, certificate: (certificate, pem))
        #expect(renewed.status == 200, "\(renewed.text)")
    }

    @Test func aDMSWithoutKeyGenerationRefuses() async throws {
        let fixture = try await ESTFixture.make("est-nokeygen")
        let device = unique("dev")
        let answer = try fixture.est("serverkeygen", body: try fixture.csr("/CN=\(device)").body, certificate: try fixture.bootstrap(device))
        #expect(answer.status == 400)
        #expect(answer.text == "DMS '\(fixture.dmsID)' does not generate keys for its devices\nrule: est.serverkeygen\n")
    }
}
