import Foundation
import SignetCore
import SignetDMS
import SignetQuery
import X509
@testable import SignetServer

/// Input: a selector byte naming the body, then the body as a client POSTs or PUTs it. Each
/// body is read as its route reads it (NUL check, strict keys, typed decoding) and then
/// through the pure steps the route takes before any store is asked.
enum RESTBodyTarget {
    enum Body: UInt8, CaseIterable {
        case sign, explain, newCA, importCA, externalCA, caStatus, certificateStatus
        case ocspSigner, allowedProfiles, passcode, bindIdentity, profile, dms
    }

    static func run(_ bytes: [UInt8]) {
        guard let selector = bytes.first else { return }
        let body = Array(bytes.dropFirst())
        guard (try? RequestBody.refuseNUL(body)) != nil else { return }
        switch Body.allCases[Int(selector) % Body.allCases.count] {
        case .sign:
            guard let sign = try? RequestBody.decode(SignBody.self, from: body, allowedKeys: SignBody.keys) else { return }
            _ = CSRReading.der(from: Array(sign.csr.utf8))
        case .explain:
            guard let explain = try? RequestBody.decode(ExplainBody.self, from: body, allowedKeys: ["csr", "ca_id"]) else { return }
            _ = CSRReading.der(from: Array(explain.csr.utf8))
        case .newCA:
            _ = try? RequestBody.decode(NewCABody.self, from: body, allowedKeys: NewCABody.keys)
        case .importCA:
            guard let ca = try? RequestBody.decode(ImportCABody.self, from: body, allowedKeys: ["id", "certificate"]),
                  let der = CSRReading.der(from: Array(ca.certificate.utf8)),
                  let certificate = try? Certificate(derEncoded: der) else { return }
            _ = try? certificate.extensions.basicConstraints
            _ = CertificateLint.lint(certificate: der)
        case .externalCA:
            guard let ca = try? RequestBody.decode(ExternalCABody.self, from: body, allowedKeys: ["id", "csr", "profile_id"]) else { return }
            _ = CSRReading.der(from: Array(ca.csr.utf8))
        case .caStatus:
            guard let status = try? RequestBody.decode(StatusBody.self, from: body, allowedKeys: ["status", "revocation_reason"]) else { return }
            _ = try? status.reason(default: .cessationOfOperation)
        case .certificateStatus:
            guard let status = try? RequestBody.decode(StatusBody.self, from: body, allowedKeys: StatusBody.keys) else { return }
            _ = try? status.reason(default: .unspecified)
            _ = try? status.invalidity()
        case .ocspSigner:
            _ = try? RequestBody.decode(OCSPSignerBody.self, from: body, allowedKeys: OCSPSignerBody.keys)
        case .allowedProfiles:
            _ = try? RequestBody.decode(AllowedProfilesBody.self, from: body, allowedKeys: ["allowed_profiles"])
        case .passcode:
            _ = try? RequestBody.decode(PasscodeBody.self, from: body, allowedKeys: ["device_id"])
        case .bindIdentity:
            _ = try? RequestBody.decode(BindIdentityBody.self, from: body, allowedKeys: BindIdentityBody.keys)
        case .profile:
            profile(body)
        case .dms:
            dms(body)
        }
    }

    /// A profile that was accepted must come back the same from its stored form, and still
    /// pass the rules: the gate re-checks every stored profile before it signs.
    static func profile(_ body: [UInt8]) {
        guard let profile = try? IssuanceProfile.decode(Data(body)) else { return }
        guard let stored = try? JSONEncoder().encode(profile) else { broken("an accepted profile does not encode") }
        guard let reread = try? IssuanceProfile.decode(stored) else { broken("an accepted profile is refused when read back") }
        if reread != profile { broken("an accepted profile reads back different") }
    }

    /// A DMS that was accepted must read back the same from the settings JSON it is stored as:
    /// EST reads that JSON on every request.
    static func dms(_ body: [UInt8]) {
        guard let value = try? JSONValue(parsing: Data(body)), case .object = value,
              let document = try? DMSDocument(reading: value) else { return }
        guard let reread = try? DMSSettings(reading: document.settingsJSON) else { broken("accepted DMS settings are refused when read back") }
        if reread != document.settings { broken("accepted DMS settings read back different") }
    }
}
