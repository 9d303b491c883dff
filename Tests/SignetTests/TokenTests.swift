import CPKCS11
import Crypto
import _CryptoExtras
import Foundation
@testable import SignetToken
import Testing

@Suite struct TokenTests {
    static func randomID() -> [UInt8] { (0..<16).map { _ in .random(in: .min ... .max) } }
    static func hexID(_ id: [UInt8]) -> String { id.map { String(format: "%02x", $0) }.joined() }

    @Test(arguments: [KeySpec.ecP256, .ecP384, .rsa(bits: 2048)])
    func generatedKeysAreSensitiveNeverExtractableAndSignOnly(_ spec: KeySpec) async throws {
        let environment = try await TestEnvironment.get()
        let token = environment.token
        let id = Self.randomID()
        try await token.perform { _ = try token.generateKeyPair(spec, id: id, label: "test-\(spec)") }

        let listing = try Tool.run("pkcs11-tool", [
            "--module", environment.modulePath, "--token-label", environment.tokenLabel, "--login", "--pin", environment.pin,
            "--list-objects", "--id", Self.hexID(id),
        ])
        #expect(listing.status == 0, "\(listing.error)")
        let privateKey = try #require(listing.output.components(separatedBy: "Private Key Object").dropFirst().first)
        let privateBlock = privateKey.components(separatedBy: "Object;").first ?? privateKey
        #expect(privateBlock.contains("Access:     sensitive, always sensitive, never extractable, local"), "\(privateBlock)")
        #expect(privateBlock.contains("Usage:      sign\n"), "\(privateBlock)")
        let publicKey = try #require(listing.output.components(separatedBy: "Public Key Object").dropFirst().first)
        let usage = try #require(publicKey.components(separatedBy: "\n").first { $0.contains("Usage:") })
        #expect(usage.trimmingCharacters(in: .whitespaces) == "Usage:      verify")

        // The private value cannot be read, not even by the process that made the key.
        let valueRead = try await token.perform {
            try token.pool.withSession { session, _ in
                let handle = try #require(try session.findObject(class: CK_OBJECT_CLASS(CKO_PRIVATE_KEY), id: id))
                // EC keys hold their secret in CKA_VALUE, RSA keys in CKA_PRIVATE_EXPONENT.
                let secret = spec == .rsa(bits: 2048) ? CKA_PRIVATE_EXPONENT : CKA_VALUE
                return Result { try session.attribute(CK_ATTRIBUTE_TYPE(secret), of: handle) }
            }
        }
        guard case .failure(TokenError.call(let function, let code)) = valueRead else {
            Issue.record("reading CKA_VALUE gave \(valueRead)")
            return
        }
        #expect(function == "C_GetAttributeValue")
        #expect(code.name == "CKR_ATTRIBUTE_SENSITIVE")
    }

    @Test func anExportedECValueIsFixedWidthWhateverItsLeadingZeros() async throws {
        // One key in 256 has a private value whose first octet is zero; PKCS#11 may give it shorter.
        let short = [UInt8](repeating: 0x7F, count: 31)
        #expect(try ExportedPrivateKey.fixedWidth(short, spec: .ecP256) == [0] + short)
        #expect(try ExportedPrivateKey.fixedWidth([0, 0] + short, spec: .ecP256) == [0] + short)
        #expect(try ExportedPrivateKey.fixedWidth([UInt8](repeating: 1, count: 48), spec: .ecP384).count == 48)
        #expect(throws: TokenError.self) { try ExportedPrivateKey.fixedWidth([UInt8](repeating: 1, count: 33), spec: .ecP256) }
        #expect(throws: TokenError.self) { try ExportedPrivateKey.fixedWidth([0, 0], spec: .ecP256) }
        // Real keys from the token, enough of them that some start with a zero octet
        // (1,500 keys: the chance that none does is below 0.3%); each must load.
        let token = try await TestEnvironment.get().token
        var leadingZero = 0
        for _ in 0..<1500 {
            guard case .ec(_, let scalar) = try await token.perform({ try token.generateExportedKeyPair(.ecP256) }) else { Issue.record("not an EC key"); return }
            #expect(scalar.count == 32)
            if scalar.first == 0 { leadingZero += 1 }
            _ = try P256.Signing.PrivateKey(rawRepresentation: scalar)
        }
        #expect(leadingZero > 0, "no key began with a zero octet; the width fix was not exercised")
    }

    @Test func signaturesVerifyWithTheTokensPublicKeys() async throws {
        let token = try await TestEnvironment.get().token
        let message = Array("to be signed by the token".utf8)
        for spec in [KeySpec.ecP256, .ecP384, .rsa(bits: 2048)] {
            let id = Self.randomID()
            let (publicKey, signature) = try await token.perform {
                let publicKey = try token.generateKeyPair(spec, id: id, label: "verify-\(spec)")
                return (publicKey, try token.sign(id: id, algorithm: spec.signingAlgorithm, message: message))
            }
            #expect(try token.publicKey(id: id) == publicKey)
            switch publicKey {
            case .ec(let curve, let point) where curve == NamedCurve.p256.oid:
                let key = try P256.Signing.PublicKey(x963Representation: point)
                #expect(key.isValidSignature(try P256.Signing.ECDSASignature(rawRepresentation: signature), for: message))
            case .ec(_, let point):
                let key = try P384.Signing.PublicKey(x963Representation: point)
                #expect(key.isValidSignature(try P384.Signing.ECDSASignature(rawRepresentation: signature), for: message))
            case .rsa(let modulus, let exponent):
                let key = try _RSA.Signing.PublicKey(n: modulus, e: exponent)
                #expect(key.isValidSignature(_RSA.Signing.RSASignature(rawRepresentation: signature), for: message, padding: .insecurePKCS1v1_5))
            }
        }
    }

    @Test func withoutAHashingMechanismTheDigestIsSignedNeverTheMessage() throws {
        let message = [UInt8](repeating: 7, count: 300)
        let raw = try SignaturePlan(algorithm: .ecdsaSHA256, available: [CK_MECHANISM_TYPE(CKM_ECDSA)])
        #expect(raw.mechanism == CK_MECHANISM_TYPE(CKM_ECDSA))
        #expect(raw.input(for: message) == Array(SHA256.hash(data: message)))
        let hashing = try SignaturePlan(algorithm: .ecdsaSHA256, available: [CK_MECHANISM_TYPE(CKM_ECDSA), CK_MECHANISM_TYPE(CKM_ECDSA_SHA256)])
        #expect(hashing.mechanism == CK_MECHANISM_TYPE(CKM_ECDSA_SHA256))
        #expect(hashing.input(for: message) == message)
        let rsa = try SignaturePlan(algorithm: .rsaPKCS1SHA256, available: [CK_MECHANISM_TYPE(CKM_RSA_PKCS)])
        #expect(rsa.input(for: message).suffix(32) == ArraySlice(SHA256.hash(data: message)))
        #expect(rsa.input(for: message).count == 19 + 32)
        #expect(throws: TokenError.self) { try SignaturePlan(algorithm: .ecdsaSHA384, available: [CK_MECHANISM_TYPE(CKM_RSA_PKCS)]) }
    }

    @Test func poolNeverExceedsTheTokensSessionMaximum() {
        #expect(SessionPool.capacity(requested: 8, tokenMaximum: 4) == 3)
        #expect(SessionPool.capacity(requested: 8, tokenMaximum: 1) == 1)
        #expect(SessionPool.capacity(requested: 8, tokenMaximum: CK_ULONG(CK_EFFECTIVELY_INFINITE)) == 8)
        #expect(SessionPool.capacity(requested: 2, tokenMaximum: 100) == 2)
    }

    @Test func manyConcurrentCallersShareABoundedPoolWhileKeysAreGenerated() async throws {
        let environment = try await TestEnvironment.get()
        let token = try Token(TokenConfiguration(modulePath: environment.modulePath, label: environment.tokenLabel, pin: .file(try TestEnvironment.variable("SIGNET_PIN_FILE")), maxSessions: 2))
        let id = Self.randomID()
        try await token.perform { _ = try token.generateKeyPair(.ecP256, id: id, label: "pool") }
        let signatures = try await withThrowingTaskGroup(of: Int.self) { group in
            for worker in 0..<48 {
                group.addTask {
                    if worker % 3 == 0 {
                        let other = Self.randomID()
                        try await token.perform { _ = try token.generateKeyPair(.ecP256, id: other, label: "pool-\(worker)") }
                        return 0
                    }
                    return try await token.perform { _ = try token.sign(id: id, algorithm: .ecdsaSHA256, message: [1, 2, 3]); return 1 }
                }
            }
            return try await group.reduce(0, +)
        }
        #expect(signatures == 32)
        #expect(try token.sessionCapacity() == 2)
    }

    @Test func failuresAreTypedAndNameWhatWentWrong() async throws {
        let environment = try await TestEnvironment.get()
        let pinFile = try TestEnvironment.variable("SIGNET_PIN_FILE")
        let missing = Self.randomID()
        #expect(throws: TokenError.keyNotFound(id: missing)) {
            try environment.token.sign(id: missing, algorithm: .ecdsaSHA256, message: [1])
        }
        let absent = try Token(TokenConfiguration(modulePath: environment.modulePath, label: "no-such-token", pin: .file(pinFile)))
        #expect(throws: TokenError.tokenNotFound(label: "no-such-token")) { try absent.mechanisms() }
        let spare = try TestEnvironment.variable("SIGNET_TEST_SPARE_TOKEN")
        let noPIN = try Token(TokenConfiguration(modulePath: environment.modulePath, label: spare, pin: .environment("SIGNET_TEST_UNSET_PIN")))
        #expect(throws: TokenError.pinUnavailable("environment variable SIGNET_TEST_UNSET_PIN is unset, empty or unreadable")) { try noPIN.mechanisms() }
        let wrongPINFile = FileManager.default.temporaryDirectory.appendingPathComponent(unique("pin")).path
        try Data("not-the-pin\n".utf8).write(to: URL(fileURLWithPath: wrongPINFile))
        let wrongPIN = try Token(TokenConfiguration(modulePath: environment.modulePath, label: spare, pin: .file(wrongPINFile)))
        #expect(throws: TokenError.call(function: "C_Login", code: ReturnCode(0xA0))) { try wrongPIN.mechanisms() }
        #expect(ReturnCode(0xA0).name == "CKR_PIN_INCORRECT")
        #expect(ReturnCode(0x8000_0001).name == "CKR_0x80000001")
        #expect(throws: TokenError.moduleLoadFailed(path: "/nonexistent/module.so", reason: "/nonexistent/module.so: cannot open shared object file: No such file or directory")) {
            try Token(TokenConfiguration(modulePath: "/nonexistent/module.so", label: "x", pin: .file(pinFile)))
        }
    }

    @Test func pkcs11URIs() throws {
        let uri = PKCS11URI(token: "signet ca", id: [0x01, 0xAB, 0xFF], object: "root-key")
        #expect(uri.description == "pkcs11:token=signet%20ca;object=root-key;id=%01%AB%FF")
        #expect(try PKCS11URI(parsing: uri.description) == uri)
        #expect(try PKCS11URI(parsing: "pkcs11:id=%02;token=t;type=private").id == [0x02])
        for bad in ["pkcs:token=t;id=%01", "pkcs11:token=t", "pkcs11:id=%01", "pkcs11:token=t;id=%zz", "pkcs11:token"] {
            #expect(throws: TokenError.self, "\(bad)") { try PKCS11URI(parsing: bad) }
        }
    }
}
