import Foundation
import Testing

/// `ca_distribution_settings`: every combination of the enrollment CA, managed CAs and the
/// operator's system bundle is what `/cacerts` answers, as openssl reads it; a setting that
/// could not act is refused when the DMS is written.
@Suite(.serialized) struct ESTCADistributionTests {
    /// Subjects of the certificates in a `/cacerts` answer, as openssl prints them.
    static func subjects(_ server: ServerFixture, _ dms: String) throws -> Set<String> {
        let answer = try server.curl("GET", "/.well-known/est/\(dms)/cacerts")
        guard answer.status == 200 else { throw TestSetupError("cacerts \(dms): \(answer.status) \(answer.text)") }
        let der = try server.scratch.write(unique("p7") + ".der", Array(Data(base64Encoded: answer.text, options: .ignoreUnknownCharacters) ?? Data()))
        let printed = try Tool.run("openssl", ["pkcs7", "-inform", "DER", "-in", der, "-print_certs", "-noout"])
        guard printed.status == 0 else { throw TestSetupError("openssl pkcs7: \(printed.error)") }
        let lines = printed.output.split(separator: "\n").filter { $0.hasPrefix("subject=") }
        #expect(Set(lines).count == lines.count, "each certificate once: \(printed.output)")
        return Set(lines.map { $0.dropFirst("subject=".count).trimmingCharacters(in: .whitespaces) })
    }

    @Test func everyCombinationIsWhatCACertsAnswers() async throws {
        let scratch = try Scratch()
        let bundleKey = scratch.path("platform.key"), bundle = scratch.path("platform.pem")
        let made = try Tool.run("openssl", [
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "30", "-subj", "/CN=Platform Root",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign", "-keyout", bundleKey, "-out", bundle,
        ])
        #expect(made.status == 0, "\(made.error)")
        let server = try await ServerFixture.start(extraEnvironment: ["SIGNET_SYSTEM_CA_BUNDLE": bundle])
        let enrollment = try await RevocationFixture.make("dist-enroll")
        let managed = try await RevocationFixture.make("dist-managed")
        let registry = RegistryFixture(ca: enrollment, dmsID: unique("dist"), token: server.token(["operator"]))
        let rootFile = try scratch.write("root.pem", try server.gate.pem(server.gate.root))
        let root = try Tool.run("openssl", ["x509", "-in", rootFile, "-noout", "-subject"]).output
            .trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: "subject=", with: "").trimmingCharacters(in: .whitespaces)
        let enrollmentChain: Set = ["CN = Revocation \(enrollment.caID)", root]
        let managedChain: Set = ["CN = Revocation \(managed.caID)", root]
        let system: Set = ["CN = Platform Root"]

        for includeEnrollment in [true, false] {
            for managedCAs in [[], [managed.caID]] {
                for includeSystem in [true, false] {
                    let id = unique("dist")
                    var document = try registry.dmsDocument(id: id)
                    var settings = try #require(document["settings"] as? [String: Any])
                    settings["ca_distribution_settings"] = ["include_enrollment_ca": includeEnrollment, "managed_cas": managedCAs, "include_system_ca": includeSystem]
                    document["settings"] = settings
                    let created = try server.curl("POST", "/api/dmsmanager/v1/dms", token: registry.token, body: try server.json(document))
                    let combination = "enrollment \(includeEnrollment), managed \(managedCAs), system \(includeSystem)"
                    guard includeEnrollment || includeSystem || !managedCAs.isEmpty else {
                        #expect(created.status == 400 && created.text.contains("settings.ca_distribution_settings"), "\(combination): \(created.text)")
                        continue
                    }
                    #expect(created.status == 201, "\(combination): \(created.text)")
                    var expected: Set<String> = []
                    if includeEnrollment { expected.formUnion(enrollmentChain) }
                    if !managedCAs.isEmpty { expected.formUnion(managedChain) }
                    if includeSystem { expected.formUnion(system) }
                    let actual = try Self.subjects(server, id)
                    #expect(actual == expected, "\(combination): \(actual)")
                }
            }
        }
        await server.stop()
    }

    @Test func withoutABundleTheSystemCAsAreRefusedWhenWritten() async throws {
        let registry = try await RegistryFixture.make("dist-none")
        var document = try registry.dmsDocument(id: unique("dist-none"))
        var settings = try #require(document["settings"] as? [String: Any])
        settings["ca_distribution_settings"] = ["include_system_ca": true]
        document["settings"] = settings
        let refused = try registry.post("/api/dmsmanager/v1/dms", document)
        #expect(refused.status == 422, "\(refused.text)")
        #expect(refused.text.contains("settings.ca_distribution_settings.include_system_ca") && refused.text.contains("system_ca_bundle"), "\(refused.text)")
        let replaced = try registry.server.curl("PUT", "/api/dmsmanager/v1/dms/\(registry.dmsID)", token: registry.token, body: try registry.server.json(document.merging(["id": registry.dmsID]) { $1 }))
        #expect(replaced.status == 422, "\(replaced.text)")
    }
}
