import Crypto
import Foundation
import SignetEST
import SwiftASN1
import Testing
import X509

/// `/serverkeygen`: the token's generator makes the key; the client gets it once, with a
/// certificate for it, and Signet keeps no copy. Serialized: SoftHSM has failed a key
/// generation overlapping other token work (see below), and each case here creates CAs.
@Suite(.serialized) struct ESTServerKeygenTests {
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

    /// A CSR with an AsymmetricDecryptKeyIdentifier attribute (RFC 7030 §4.4.1.2), built in
    /// process: openssl's req writes attributes only as strings, not as an OCTET STRING.
    static func csr(_ device: String, asymmetricDecryptKeyID identifier: [UInt8], symmetric: Bool = false) throws -> [UInt8] {
        // id-aa-asymmDecryptKeyID, or id-aa-decryptKeyID (RFC 7030 §4.4.1.1) for a shared key.
        let attribute = CertificateSigningRequest.Attribute(oid: [1, 2, 840, 113549, 1, 9, 16, 2, symmetric ? 37 : 54],
                                                            values: [try ASN1Any(erasing: ASN1OctetString(contentBytes: ArraySlice(identifier)))])
        let request = try CertificateSigningRequest(version: .v1, subject: try DistinguishedName { CommonName(device) },
                                                    privateKey: Certificate.PrivateKey(P256.Signing.PrivateKey()),
                                                    attributes: CertificateSigningRequest.Attributes([attribute]), signatureAlgorithm: .ecdsaWithSHA256)
        var serializer = DER.Serializer()
        try serializer.serialize(request)
        return Array(Data(serializer.serializedBytes).base64EncodedString(options: .lineLength64Characters).utf8) + [0x0A]
    }

    /// The subject key identifier openssl reads from a certificate file.
    static func subjectKeyIdentifier(_ file: String) throws -> [UInt8] {
        let printed = try Tool.run("openssl", ["x509", "-in", file, "-noout", "-ext", "subjectKeyIdentifier"]).output
        let hex = try #require(printed.split(separator: "\n").last?.trimmingCharacters(in: .whitespaces), "\(printed)")
        return try hex.split(separator: ":").map { try #require(UInt8($0, radix: 16), "\(printed)") }
    }

    @Test func requireEncryptionReturnsTheKeyOnlyEncryptedToTheClientsRSACertificate() async throws {
        let keygen: [String: Any] = ["enabled": true, "key_type": "ECDSA", "key_size": 256]
        let fixture = try await ESTFixture.make("est-keygen-enc") { document, _ in
            ESTFixture.set(&document, ["server_keygen_settings"], keygen.merging(["require_encryption": true]) { $1 })
        }
        let optional = try fixture.anotherDMS { ESTFixture.set(&$0, ["server_keygen_settings"], keygen) }
        let scratch = fixture.server.scratch
        let device = unique("dev")
        let boot = try fixture.bootstrap(device, key: ["-newkey", "rsa:2048"])
        let identifier = try Self.subjectKeyIdentifier(boot.certificate)

        // Asked without the attribute: refused where encryption is required, before any key is made.
        let plain = try fixture.est("serverkeygen", body: try fixture.csr("/CN=\(device)").body, certificate: boot)
        #expect(plain.status == 400, "\(plain.text)")
        #expect(plain.text.contains("AsymmetricDecryptKeyIdentifier") && plain.text.hasSuffix("rule: est.serverkeygen.encryption_required\n"), "\(plain.text)")
        #expect(try fixture.server.curl("GET", "/api/devmanager/v1/devices/\(device)", token: fixture.registry.token).status == 404, "nothing registered")
        // An identifier that is not the TLS client certificate's.
        let foreign = try fixture.est("serverkeygen", body: try Self.csr(device, asymmetricDecryptKeyID: identifier.map { $0 ^ 0xFF }), certificate: boot)
        #expect(foreign.status == 400 && foreign.text.contains("is not the TLS client certificate's subject key identifier"), "\(foreign.text)")
        // A shared symmetric key: Signet holds none, and says so.
        let symmetric = try fixture.est("serverkeygen", body: try Self.csr(device, asymmetricDecryptKeyID: [1, 2, 3], symmetric: true), certificate: boot)
        #expect(symmetric.status == 400 && symmetric.text.contains("holds no symmetric keys"), "\(symmetric.text)")

        let answer = try fixture.est("serverkeygen", body: try Self.csr(device, asymmetricDecryptKeyID: identifier), certificate: boot)
        #expect(answer.status == 200, "\(answer.text)")
        let parts = try Self.parts(answer)
        #expect(parts.map(\.type) == ["application/pkcs7-mime; smime-type=server-generated-key", "application/pkcs7-mime; smime-type=certs-only"])
        let enveloped = try scratch.write(unique("enveloped") + ".der", parts[0].der)
        #expect(try Tool.run("openssl", ["pkcs8", "-inform", "DER", "-nocrypt", "-in", enveloped]).status != 0, "no plaintext PKCS#8")
        let opened = scratch.path(unique("opened") + ".der")
        let decrypted = try Tool.run("openssl", ["cms", "-decrypt", "-inform", "DER", "-in", enveloped, "-recip", boot.certificate, "-inkey", boot.key, "-binary", "-out", opened])
        #expect(decrypted.status == 0, "openssl cms -decrypt: \(decrypted.error)")
        let printed = try Tool.run("openssl", ["cms", "-cmsout", "-print", "-inform", "DER", "-in", enveloped]).output
        #expect(printed.contains("rsaesOaep") && printed.contains("aes-256-cbc"), "\(printed.prefix(1500))")
        let p7 = try scratch.write(unique("generated") + ".p7", parts[1].der)
        let certificate = try scratch.write(unique("generated") + ".pem", Array(try Tool.run("openssl", ["pkcs7", "-inform", "DER", "-in", p7, "-print_certs"]).output.utf8))
        let certificateKey = try Tool.run("openssl", ["x509", "-in", certificate, "-noout", "-pubkey"]).output
        let privateKeysPublic = try Tool.run("openssl", ["pkey", "-inform", "DER", "-in", opened, "-pubout"]).output
        #expect(!certificateKey.isEmpty && certificateKey == privateKeysPublic, "the decrypted key is the certified one")
        // Another RSA key cannot open it.
        let stranger = try fixture.bootstrap(unique("dev"), key: ["-newkey", "rsa:2048"])
        #expect(try Tool.run("openssl", ["cms", "-decrypt", "-inform", "DER", "-in", enveloped, "-inkey", stranger.key, "-out", scratch.path(unique("no"))]).status != 0)

        // Where encryption is optional, the same plain request gets its PKCS#8.
        let other = unique("dev")
        let optionalAnswer = try fixture.est("serverkeygen", aps: optional, body: try fixture.csr("/CN=\(other)").body, certificate: try fixture.bootstrap(other))
        #expect(optionalAnswer.status == 200, "\(optionalAnswer.text)")
        #expect(try Self.parts(optionalAnswer).first?.type == "application/pkcs8")
    }

    /// DecryptKeyIdentifier (RFC 7030 §4.4.1.1): the key comes back wrapped for the AES key the
    /// DMS shares with its devices, from the server's key file; openssl opens it with that key.
    @Test func aSharedKeyOpensTheGeneratedKey() async throws {
        let fixture = try await ESTFixture.make("est-keygen-kek") { document, _ in
            ESTFixture.set(&document, ["server_keygen_settings"], ["enabled": true, "key_type": "ECDSA", "key_size": 256, "require_encryption": true])
        }
        let scratch = fixture.server.scratch
        let keyID: [UInt8] = [0x5E, 0x4E, 0x7C, 0x01], secret = (0..<32).map { _ in UInt8.random(in: 0 ... .max) }
        let hex = { (bytes: [UInt8]) in bytes.map { String(format: "%02x", $0) }.joined() }
        let keysFile = try scratch.write(unique("kek") + ".json", Array(try JSONSerialization.data(withJSONObject: [
            fixture.dmsID: [["key_id": hex(keyID), "key": Data(secret).base64EncodedString()]],
        ])))
        let server = try await ServerFixture.start(extraEnvironment: ["SIGNET_EST_KEY_ENCRYPTION_KEYS_FILE": keysFile])
        defer { ServerProcesses.shared.process(port: server.port)?.terminate() }

        let device = unique("dev")
        let boot = try fixture.bootstrap(device)
        let unknown = try fixture.est("serverkeygen", body: try Self.csr(device, asymmetricDecryptKeyID: [9, 9], symmetric: true), certificate: boot, on: server)
        #expect(unknown.status == 400 && unknown.text.contains("holds no symmetric key with the CSR's DecryptKeyIdentifier 0909"), "\(unknown.text)")
        let answer = try fixture.est("serverkeygen", body: try Self.csr(device, asymmetricDecryptKeyID: keyID, symmetric: true), certificate: boot, on: server)
        #expect(answer.status == 200, "\(answer.text)")
        let parts = try Self.parts(answer)
        #expect(parts.first?.type == "application/pkcs7-mime; smime-type=server-generated-key")
        let enveloped = try scratch.write(unique("kekri") + ".der", try #require(parts.first).der)
        let printed = try Tool.run("openssl", ["cms", "-cmsout", "-print", "-inform", "DER", "-in", enveloped]).output
        #expect(printed.contains("id-aes256-wrap") && printed.contains("5e 4e 7c 01"), "\(printed.prefix(1500))")
        let opened = scratch.path(unique("opened") + ".der")
        let decrypted = try Tool.run("openssl", ["cms", "-decrypt", "-inform", "DER", "-in", enveloped, "-secretkey", hex(secret), "-secretkeyid", hex(keyID), "-binary", "-out", opened])
        #expect(decrypted.status == 0, "openssl cms -decrypt: \(decrypted.error)")
        let p7 = try scratch.write(unique("generated") + ".p7", parts[1].der)
        let certificate = try scratch.write(unique("generated") + ".pem", Array(try Tool.run("openssl", ["pkcs7", "-inform", "DER", "-in", p7, "-print_certs"]).output.utf8))
        let certificateKey = try Tool.run("openssl", ["x509", "-in", certificate, "-noout", "-pubkey"]).output
        let openedKey = try Tool.run("openssl", ["pkey", "-inform", "DER", "-in", opened, "-pubout"]).output
        #expect(!certificateKey.isEmpty && certificateKey == openedKey, "the decrypted key is the certified one")
        let wrongKey = hex(secret.map { $0 ^ 1 })
        #expect(try Tool.run("openssl", ["cms", "-decrypt", "-inform", "DER", "-in", enveloped, "-secretkey", wrongKey, "-secretkeyid", hex(keyID), "-out", scratch.path(unique("no"))]).status != 0)
        let log = String(decoding: try server.scratch.read("server.log"), as: UTF8.self)
        #expect(!log.contains(hex(secret)) && !log.contains(Data(secret).base64EncodedString()), "the shared key is never logged")
    }

    /// A key file with a wrong entry stops the server naming the entry, never showing a key.
    @Test func aKeyFileEntryThatIsNoAESKeyIsNamed() throws {
        let scratch = try Scratch()
        let short = Data((0..<10).map { UInt8($0) }).base64EncodedString()
        for (entry, expected) in [(["key_id": "01", "key": short], "'fleet'[0].key must be base64 of a 128, 192 or 256-bit AES key"),
                                  (["key_id": "not hex", "key": short], "'fleet'[0].key_id must be hex"),
                                  (["key_id": "01"], "'fleet'[0] must have exactly key_id and key")] {
            let file = try scratch.write(unique("kek") + ".json", Array(try JSONSerialization.data(withJSONObject: ["fleet": [entry]])))
            let error = #expect(throws: KeyFileError.self) { try ESTKeyEncryptionKeys(file: file) }
            #expect(error?.description.hasSuffix(expected) == true, "\(String(describing: error))")
            #expect(error?.description.contains(short) == false)
        }
    }
}
