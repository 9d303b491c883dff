import Foundation
import Testing

/// A CA of its own (under the gate fixture's root) behind the shared server, with helpers
/// to issue certificates and to check what Signet publishes with openssl.
struct RevocationFixture {
    let server: ServerFixture
    let caID: String
    let admin: String
    /// The CA's certificate and the chain up to the root, as PEM files for openssl.
    let caFile: String
    let chainFile: String

    static func make(_ prefix: String, server: ServerFixture? = nil) async throws -> RevocationFixture {
        let server = if let server { server } else { try await ServerFixture.get() }
        let admin = server.token(["admin"])
        let caID = unique(prefix)
        let created = try server.curl("POST", "/api/ca/v1/cas", token: admin, body: try server.json([
            "id": caID, "parent_id": server.gate.rootID, "subject": ["common_name": "Revocation \(caID)"], "key_type": "ECDSA", "key_size": 256,
            "profile_id": "subordinate-ca", "ca_issuance_profile_id": "iot-device", "allowed_profiles": GateFixture.endEntityProfiles,
        ]))
        guard created.status == 201, let pem = try created.json()["certificate"] as? String else {
            throw TestSetupError("cannot create CA \(caID): \(created.text)")
        }
        let caFile = try server.scratch.write("\(caID).pem", Array(pem.utf8))
        let chainFile = try server.scratch.write("\(caID)-chain.pem", Array(pem.utf8) + (try server.gate.pem(server.gate.root)))
        return RevocationFixture(server: server, caID: caID, admin: admin, caFile: caFile, chainFile: chainFile)
    }

    /// Adds a profile to those the CA issues with, through the API (the server's cache of
    /// the CA is refreshed at once).
    func allow(_ profileID: String) throws {
        let current = try server.curl("GET", "/api/ca/v1/cas/\(caID)", token: admin)
        let allowed = (try current.json()["allowed_profiles"] as? [String] ?? []) + [profileID]
        let changed = try server.curl("PUT", "/api/ca/v1/cas/\(caID)/allowed-profiles", token: admin, body: try server.json(["allowed_profiles": allowed]))
        guard changed.status == 200 else { throw TestSetupError("cannot allow \(profileID) on \(caID): \(changed.text)") }
    }

    /// Issues a device certificate; returns its serial and the PEM file.
    /// Takes the CA's OCSP pre-signing lease for the test, so that no test server's
    /// pre-signer signs for the CA; a pass that claimed it before is given time to finish.
    func holdPresigningLease() async throws {
        _ = try await TestEnvironment.get().rows(
            """
            INSERT INTO ocsp_refresh_leases (ca_id, holder, until) VALUES (\(caID), \(UUID()), now() + interval '10 minutes')
            ON CONFLICT (ca_id) DO UPDATE SET holder = EXCLUDED.holder, until = EXCLUDED.until RETURNING 1
            """,
            as: Int.self
        )
        try await Task.sleep(for: .seconds(2))
    }

    func issue(_ commonName: String = unique("device")) throws -> (serial: String, file: String) {
        let csr = try OpenSSLCSR.make(subject: "/CN=\(commonName)", in: server.scratch)
        let signed = try server.curl("POST", "/api/ca/v1/cas/\(caID)/sign", token: admin, body: try server.json(["csr": String(decoding: csr, as: UTF8.self)]))
        guard signed.status == 201, let serial = try signed.json()["serial_number"] as? String, let pem = try signed.json()["certificate"] as? String else {
            throw TestSetupError("cannot issue: \(signed.text)")
        }
        return (serial, try server.scratch.write("\(serial).pem", Array(pem.utf8)))
    }

    func setStatus(_ serial: String, _ body: [String: Any], token: String? = nil) throws -> ServerFixture.HTTPResult {
        try server.curl("PUT", "/api/ca/v1/certificates/\(serial)/status", token: token ?? admin, body: try server.json(body))
    }

    /// Fetches a CRL and has openssl verify it against the chain; returns openssl's text form.
    func crl(delta: Bool = false) throws -> (text: String, der: [UInt8]) {
        let result = try server.curl("GET", "/crl/\(caID)\(delta ? "/delta" : "")", token: nil)
        guard result.status == 200 else { throw TestSetupError("GET CRL: \(result.status) \(result.text)") }
        let file = try server.scratch.write(unique("crl") + ".der", result.body)
        let verified = try Tool.run("openssl", ["crl", "-inform", "DER", "-in", file, "-CAfile", chainFile, "-noout", "-verify"])
        guard verified.status == 0, (verified.output + verified.error).contains("verify OK") else {
            throw TestSetupError("openssl crl -verify failed: \(verified.output) \(verified.error)")
        }
        let text = try Tool.run("openssl", ["crl", "-inform", "DER", "-in", file, "-noout", "-text"])
        return (text.output, result.body)
    }

    /// The CRL number openssl reads from a CRL's text.
    static func number(_ text: String, label: String = "X509v3 CRL Number") -> Int? {
        guard let range = text.range(of: label + ":") else { return nil }
        // "X509v3 CRL Number: \n 4", "X509v3 Delta CRL Indicator: critical\n 4"
        let rest = text[range.upperBound...].prefix(40)
        guard let start = rest.firstIndex(where: { $0.isNumber }) else { return nil }
        return Int(rest[start...].prefix { $0.isNumber })
    }

    /// Polls until `condition` holds (background publication), at most `seconds`, sleeping
    /// without holding one of the few cooperative threads the whole suite shares.
    static func eventually(_ seconds: Double = 15, _ condition: () throws -> Bool) async throws -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if (try? condition()) == true { return true }
            try await Task.sleep(for: .milliseconds(250))
        }
        return try condition()
    }
}

extension RevocationFixture {
    static func eventuallyAsync(_ seconds: Double = 15, _ condition: () async throws -> Bool) async throws -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if (try? await condition()) == true { return true }
            try await Task.sleep(for: .milliseconds(250))
        }
        return try await condition()
    }
}

extension String {
    /// openssl prints serials in upper-case hex.
    var opensslSerial: String { uppercased() }
}

/// OCSP through openssl: it builds the request, Signet answers over HTTPS, openssl verifies.
extension RevocationFixture {
    struct OCSPResult {
        let response: [UInt8]
        /// `openssl ocsp -respin … -resp_text` output (stdout and stderr).
        let text: String
        let verified: Bool
        let headers: ServerFixture.HTTPResult
    }

    /// `target`: `-cert <file>` or `-serial 0x…`; `extra`: e.g. `["-nonce"]`, `["-sha256"]`.
    func ocsp(_ target: [String], issuer: String? = nil, extra: [String] = ["-no_nonce"], viaGET: Bool = false) throws -> OCSPResult {
        let issuer = issuer ?? caFile
        let request = server.scratch.path(unique("ocsp-req") + ".der")
        let made = try Tool.run("openssl", ["ocsp", "-issuer", issuer] + extra + target + ["-reqout", request])
        guard made.status == 0 else { throw TestSetupError("openssl ocsp -reqout: \(made.error)") }
        let der = try Array(Data(contentsOf: URL(fileURLWithPath: request)))
        let result: ServerFixture.HTTPResult
        if viaGET {
            let encoded = Data(der).base64EncodedString().addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            result = try server.curl("GET", "/ocsp/\(encoded)")
        } else {
            result = try server.curl("POST", "/ocsp", body: der, contentType: "application/ocsp-request")
        }
        guard result.status == 200, result.header("Content-Type") == "application/ocsp-response" else {
            throw TestSetupError("OCSP over HTTP: \(result.status) \(result.text)")
        }
        let response = try server.scratch.write(unique("ocsp-resp") + ".der", result.body)
        // Against the request as sent (openssl checks the nonce echo and the signature) …
        let check = try Tool.run("openssl", ["ocsp", "-reqin", request, "-respin", response, "-CAfile", chainFile, "-verify_other", chainFile, "-resp_text"])
        // … and per certificate, for the status lines.
        let statuses = try Tool.run("openssl", ["ocsp", "-respin", response, "-issuer", issuer] + target + ["-CAfile", chainFile, "-no_nonce"])
        let text = check.output + check.error + statuses.output + statuses.error
        let verified = (check.output + check.error).contains("Response verify OK") && !text.contains("Nonce Verify error")
        return OCSPResult(response: result.body, text: text, verified: verified, headers: result)
    }
}

extension RevocationFixture {
    /// An OCSP request as openssl builds it.
    func requestBytes(_ target: [String], extra: [String] = ["-no_nonce"]) throws -> [UInt8] {
        let request = server.scratch.path(unique("ocsp-req") + ".der")
        let made = try Tool.run("openssl", ["ocsp", "-issuer", caFile] + extra + target + ["-reqout", request])
        guard made.status == 0 else { throw TestSetupError("openssl ocsp -reqout: \(made.error)") }
        return try Array(Data(contentsOf: URL(fileURLWithPath: request)))
    }
}
