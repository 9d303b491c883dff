import Foundation
import SignetCore
import Testing

@Suite struct ProfileDocumentTests {
    @Test func reviewedPoliciesDecodeStrictly() throws {
        let ids = try GateFixture.policies().map(\.id)
        #expect(ids == ["audit-signer", "code-signing", "external-subordinate-ca", "fleet-device", "iot-device", "ocsp-responder", "root-ca", "subordinate-ca", "tls-server"])
    }

    static let base = """
    {"id": "p", "name": "P", "validity": {"type": "Duration", "duration": "24h"}, "key_usage": {"digital_signature": true}}
    """

    static func variant(_ edit: (inout [String: Any]) -> Void) throws -> Data {
        var object = try JSONSerialization.jsonObject(with: Data(base.utf8)) as! [String: Any]
        edit(&object)
        return try JSONSerialization.data(withJSONObject: object)
    }

    struct BadDocument: Sendable, CustomTestStringConvertible {
        let name: String
        let document: @Sendable () throws -> Data
        let expected: ProfileError
        var testDescription: String { name }
    }

    static let badDocuments: [BadDocument] = [
        BadDocument(name: "not JSON", document: { Data("{\"id\": ".utf8) }, expected: .malformedJSON("")),
        BadDocument(name: "unknown top-level field", document: { try variant { $0["honor_subjct"] = true } }, expected: .unknownField("honor_subjct")),
        BadDocument(name: "unknown nested field", document: { try variant { $0["key_usage"] = ["digital_signature": true, "sign_everything": true] } }, expected: .unknownField("key_usage.sign_everything")),
        BadDocument(name: "negative duration", document: { try variant { $0["validity"] = ["type": "Duration", "duration": "-5h"] } }, expected: .invalid(field: "validity.duration", reason: "")),
        BadDocument(name: "zero duration", document: { try variant { $0["validity"] = ["type": "Duration", "duration": "0h"] } }, expected: .invalid(field: "validity.duration", reason: "")),
        BadDocument(name: "year unit", document: { try variant { $0["validity"] = ["type": "Duration", "duration": "1y"] } }, expected: .invalid(field: "validity.duration", reason: "")),
        BadDocument(name: "time type without time", document: { try variant { $0["validity"] = ["type": "Time"] } }, expected: .invalid(field: "validity.time", reason: "")),
        BadDocument(name: "time that is not RFC 3339", document: { try variant { $0["validity"] = ["type": "Time", "time": "next tuesday"] } }, expected: .invalid(field: "validity.time", reason: "")),
        BadDocument(name: "unknown validity type", document: { try variant { $0["validity"] = ["type": "Forever"] } }, expected: .invalid(field: "validity.type", reason: "")),
        BadDocument(name: "missing validity", document: { try variant { $0["validity"] = nil } }, expected: .invalid(field: "validity", reason: "")),
        BadDocument(name: "sign_as_ca without cert_sign", document: { try variant { $0["sign_as_ca"] = true } }, expected: .invalid(field: "key_usage.cert_sign", reason: "")),
        BadDocument(name: "cert_sign without sign_as_ca", document: { try variant { $0["key_usage"] = ["cert_sign": true] } }, expected: .invalid(field: "key_usage", reason: "")),
        BadDocument(name: "unknown EKU", document: { try variant { $0["extended_key_usages"] = ["clientAuth", "anything"] } }, expected: .invalid(field: "extended_key_usages.[1]", reason: "")),
        BadDocument(name: "wrong type", document: { try variant { $0["honor_subject"] = "yes" } }, expected: .invalid(field: "honor_subject", reason: "")),
        BadDocument(name: "empty RSA sizes with RSA allowed", document: { try variant { $0["crypto_enforcement"] = ["enabled": true, "allow_rsa_keys": true, "allowed_rsa_key_sizes": [Int](), "allow_ecdsa_keys": false] } }, expected: .invalid(field: "crypto_enforcement.allowed_rsa_key_sizes", reason: "")),
        BadDocument(name: "RSA size below the baseline", document: { try variant { $0["crypto_enforcement"] = ["enabled": true, "allowed_rsa_key_sizes": [1024], "allow_ecdsa_keys": false] } }, expected: .invalid(field: "crypto_enforcement.allowed_rsa_key_sizes", reason: "")),
        BadDocument(name: "odd ECDSA size", document: { try variant { $0["crypto_enforcement"] = ["enabled": true, "allow_rsa_keys": false, "allowed_ecdsa_key_sizes": [255]] } }, expected: .invalid(field: "crypto_enforcement.allowed_ecdsa_key_sizes", reason: "")),
        BadDocument(name: "no key type allowed", document: { try variant { $0["crypto_enforcement"] = ["enabled": true, "allow_rsa_keys": false, "allow_ecdsa_keys": false] } }, expected: .invalid(field: "crypto_enforcement", reason: "")),
        BadDocument(name: "three-letter country", document: { try variant { $0["subject"] = ["country": "DEU"] } }, expected: .invalid(field: "subject.country", reason: "")),
        BadDocument(name: "country that is not letters", document: { try variant { $0["subject"] = ["country": "D1"] } }, expected: .invalid(field: "subject.country", reason: "")),
        BadDocument(name: "an unknown hole in the subject", document: { try variant { $0["subject"] = ["common_name": "{deviceid}"] } }, expected: .invalid(field: "subject.common_name", reason: "")),
        BadDocument(name: "an unclosed hole in the subject", document: { try variant { $0["subject"] = ["organization_unit": "line-{device_id"] } }, expected: .invalid(field: "subject.organization_unit", reason: "")),
        BadDocument(name: "a hole in the country", document: { try variant { $0["subject"] = ["country": "{device_id}"] } }, expected: .invalid(field: "subject.country", reason: "")),
        BadDocument(name: "an empty subject that ignores the CSR's", document: { try variant { $0["honor_subject"] = false; $0["subject"] = [String: Any]() } }, expected: .invalid(field: "subject", reason: "")),
        BadDocument(name: "organization beyond RFC 5280's bound", document: { try variant { $0["subject"] = ["organization": String(repeating: "o", count: 65)] } }, expected: .invalid(field: "subject.organization", reason: "")),
        BadDocument(name: "id with spaces", document: { try variant { $0["id"] = "my profile" } }, expected: .invalid(field: "id", reason: "")),
        // Settings that could never act are refused when written.
        BadDocument(name: "OCSPSigning without ocsp_responder", document: { try variant { $0["extended_key_usages"] = ["clientAuth", "ocspSigning"] } }, expected: .invalid(field: "extended_key_usages", reason: "")),
        BadDocument(name: "ocsp_responder with other EKUs", document: { try variant { $0["ocsp_responder"] = true; $0["extended_key_usages"] = ["ocspSigning", "clientAuth"] } }, expected: .invalid(field: "extended_key_usages", reason: "")),
        BadDocument(name: "honoured EKUs with an empty allow-list", document: { try variant { $0["honor_extended_key_usages"] = true } }, expected: .invalid(field: "extended_key_usages", reason: "")),
        BadDocument(name: "external_ca without sign_as_ca", document: { try variant { $0["external_ca"] = true } }, expected: .invalid(field: "external_ca", reason: "")),
        BadDocument(name: "path_len without sign_as_ca", document: { try variant { $0["path_len"] = 0 } }, expected: .invalid(field: "path_len", reason: "")),
        BadDocument(name: "unknown required_role", document: { try variant { $0["required_role"] = "root" } }, expected: .invalid(field: "required_role", reason: "")),
        BadDocument(name: "name_constraints on an end-entity profile", document: { try variant { $0["name_constraints"] = ["permitted_dns": ["example.com"]] } }, expected: .invalid(field: "name_constraints", reason: "")),
        BadDocument(name: "name_constraints with a bad CIDR", document: { try variant {
            $0["sign_as_ca"] = true; $0["key_usage"] = ["cert_sign": true, "crl_sign": true]; $0["name_constraints"] = ["permitted_ip": ["10.1.2.3/8"]]
        } }, expected: .invalid(field: "name_constraints.permitted_ip[0]", reason: "")),
        BadDocument(name: "name_policy without honor_extensions", document: { try variant { $0["name_policy"] = ["allowed_san_types": ["dns"]] } }, expected: .invalid(field: "name_policy", reason: "")),
        BadDocument(name: "name_policy patterns for a type it does not allow", document: { try variant {
            $0["honor_extensions"] = true; $0["name_policy"] = ["allowed_san_types": ["dns"], "uri": ["spiffe://fleet/{cn}"]]
        } }, expected: .invalid(field: "name_policy.uri", reason: "")),
        BadDocument(name: "name_policy with an unknown hole", document: { try variant {
            $0["honor_extensions"] = true; $0["name_policy"] = ["dns": ["{serial}.example.com"]]
        } }, expected: .invalid(field: "name_policy.dns[0]", reason: "")),
        BadDocument(name: "name_policy pattern that can never match", document: { try variant {
            $0["honor_extensions"] = true; $0["name_policy"] = ["dns": ["under_score.{cn}.example.com"]]
        } }, expected: .invalid(field: "name_policy.dns[0]", reason: "")),
        BadDocument(name: "name_policy max_names above the gate's bound", document: { try variant {
            $0["honor_extensions"] = true; $0["name_policy"] = ["max_names": 1000]
        } }, expected: .invalid(field: "name_policy.max_names", reason: "")),
        BadDocument(name: "unknown name_policy field", document: { try variant {
            $0["honor_extensions"] = true; $0["name_policy"] = ["dns_names": ["a.example"]]
        } }, expected: .unknownField("name_policy.dns_names")),
    ]

    @Test(arguments: badDocuments)
    func badDocumentsAreRejectedNamingTheField(_ bad: BadDocument) throws {
        let error = #expect(throws: ProfileError.self) { try IssuanceProfile.decode(bad.document()) }
        switch (error, bad.expected) {
        case (.malformedJSON?, .malformedJSON): break
        case (.unknownField(let path)?, .unknownField(let expected)): #expect(path == expected)
        case (.invalid(let field, let reason)?, .invalid(let expected, _)):
            #expect(field == expected)
            #expect(!reason.isEmpty)
        default: Issue.record("got \(String(describing: error)), expected \(bad.expected)")
        }
    }

    @Test func withoutASubjectAProfileThatIgnoresTheCSRsNamesTheRequestAndShowsIt() throws {
        let profile = try IssuanceProfile.decode(Data(Self.base.utf8))
        #expect(!profile.honorSubject && profile.subject.commonName == "{csr.common_name}")
        let shown = try JSONSerialization.jsonObject(with: JSONEncoder().encode(profile)) as? [String: Any]
        #expect((shown?["subject"] as? [String: Any])?["common_name"] as? String == "{csr.common_name}")
        let honouring = try IssuanceProfile.decode(Self.variant { $0["honor_subject"] = true })
        #expect(honouring.subject == IssuanceProfile.SubjectTemplate())
    }

    @Test func versionHashFollowsContentNotFormatting() throws {
        let compact = try IssuanceProfile.decode(Data(Self.base.utf8))
        let reformatted = try IssuanceProfile.decode(Self.variant { _ in })
        #expect(compact.versionHash == reformatted.versionHash)
        let changed = try IssuanceProfile.decode(Self.variant { $0["validity"] = ["type": "Duration", "duration": "48h"] })
        #expect(changed.versionHash != compact.versionHash)
    }

    @Test func durations() throws {
        #expect(try DurationText.seconds("8760h") == 8760 * 3600)
        #expect(try DurationText.seconds("90d") == 90 * 86400)
        #expect(try DurationText.seconds("1h30m15s") == 5415)
        for bad in ["", "h", "10", "-1h", "0s", "1y", "1w", "5 h"] {
            #expect(throws: DurationError.self, "\(bad)") { try DurationText.seconds(bad) }
        }
    }

    @Test func subjectText() throws {
        let name = try SubjectText.parse("CN=Device\\, One,O=Example,C=DE")
        #expect(name.description == "CN=Device\\, One,O=Example,C=DE" || name.description == "CN=Device, One,O=Example,C=DE")
        #expect(throws: SubjectText.ParseError.self) { try SubjectText.parse("CN=x,FOO=y") }
        #expect(throws: SubjectText.ParseError.self) { try SubjectText.parse("C=Germany") }
        #expect(throws: SubjectText.ParseError.self) { try SubjectText.parse("") }
    }
}
