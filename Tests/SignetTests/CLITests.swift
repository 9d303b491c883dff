import Foundation
import Testing

/// The README's quick start, through the real `signet` binary and openssl.
@Suite struct CLITests {
    static var binary: String {
        get throws {
            let candidates = [
                URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("signet").path,
                GateFixture.repositoryRoot.appendingPathComponent(".build/debug/signet").path,
            ]
            guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
                throw TestSetupError("the signet binary was not built (looked in \(candidates))")
            }
            return found
        }
    }

    static func signet(_ arguments: String...) throws -> Tool.Result {
        try Tool.run(try binary, arguments)
    }

    @Test func quickStartIssuesAChainOpenSSLVerifiesAndRefusalsExitNonZero() async throws {
        let environment = try await TestEnvironment.get()
        let scratch = try Scratch()
        let policies = GateFixture.repositoryRoot.appendingPathComponent("policies").path
        var outputs: [Tool.Result] = []
        func expectSuccess(_ result: Tool.Result, _ what: String) {
            outputs.append(result)
            #expect(result.status == 0, "\(what): \(result.error)")
        }

        expectSuccess(try Self.signet("profile", "apply", policies), "profile apply")
        let root = unique("cli-root"), sub = unique("cli-sub")
        let rootResult = try Self.signet("ca", "create-root", "--id", root, "--subject", "CN=CLI Root,O=Signet,C=DE", "--key", "ec-p384", "--profile", "root-ca", "--issuance-profile", "subordinate-ca")
        expectSuccess(rootResult, "create-root")
        let subResult = try Self.signet("ca", "create-sub", "--parent", root, "--id", sub, "--subject", "CN=CLI Issuing,O=Signet", "--profile", "subordinate-ca", "--issuance-profile", "iot-device")
        expectSuccess(subResult, "create-sub")
        let rootFile = try scratch.write("root.pem", Array(rootResult.output.utf8))
        let subFile = try scratch.write("sub.pem", Array(subResult.output.utf8))

        let csr = try scratch.write("device.csr", try OpenSSLCSR.make(subject: "/CN=cli-device", in: scratch))
        let leafFile = scratch.path("device.pem")
        expectSuccess(try Self.signet("issue", "--ca", sub, "--csr", csr, "--out", leafFile), "issue")
        let verify = try Tool.run("openssl", ["verify", "-CAfile", rootFile, "-untrusted", subFile, leafFile])
        #expect(verify.status == 0 && verify.output.contains("OK"), "\(verify.output)\(verify.error)")

        let listing = try Self.signet("cert", "list", "--ca", sub)
        expectSuccess(listing, "cert list")
        #expect(listing.output.contains("CN=cli-device,O=Signet IoT Fleet"))
        #expect(try Self.signet("ca", "list").output.contains("\(sub)\tSUBORDINATE\t1\t\(root)"))

        let weak = try scratch.write("weak.csr", try OpenSSLCSR.make(subject: "/CN=weak", keyArguments: ["-newkey", "rsa:1024"], in: scratch))
        let refused = try Self.signet("issue", "--ca", sub, "--csr", weak)
        outputs.append(refused)
        #expect(refused.status == 2)
        #expect(refused.error.contains("refused: rule 'crypto.baseline'"), "\(refused.error)")
        #expect(refused.output.isEmpty)

        // Explain, as the API does: the rules one by one, and the refusal's exit code.
        let explained = try Self.signet("profile", "explain", "--csr", csr, "--profile", "iot-device", "--ca", sub)
        expectSuccess(explained, "profile explain")
        #expect(explained.output.contains("pass\tcsr.proof_of_possession") && explained.output.contains("subject\tCN=cli-device,O=Signet IoT Fleet"), "\(explained.output)")
        let explainedWeak = try Self.signet("profile", "explain", "--csr", weak, "--profile", "iot-device")
        outputs.append(explainedWeak)
        #expect(explainedWeak.status == 2 && explainedWeak.output.contains("FAIL\tcrypto.baseline"), "\(explainedWeak.output)")
        // The issuing CA issues only with what it names; an administrator widens that.
        let notAllowed = try Self.signet("issue", "--ca", sub, "--csr", csr, "--profile", "tls-server")
        outputs.append(notAllowed)
        #expect(notAllowed.status == 2 && notAllowed.error.contains("ca.allowed_profiles"), "\(notAllowed.error)")
        expectSuccess(try Self.signet("ca", "allow-profiles", sub, "iot-device", "tls-server"), "ca allow-profiles")
        expectSuccess(try Self.signet("issue", "--ca", sub, "--csr", csr, "--profile", "tls-server"), "issue under an allowed profile")

        let badProfile = try scratch.write("bad.json", Array(#"{"id": "bad", "validity": {"type": "Duration", "duration": "24h"}, "honour_subject": true}"#.utf8))
        let rejected = try Self.signet("profile", "apply", badProfile)
        outputs.append(rejected)
        #expect(rejected.status != 0)
        #expect(rejected.error.contains("unknown field 'honour_subject'"), "\(rejected.error)")

        // The PIN never appears in anything the CLI prints.
        for output in outputs {
            #expect(!output.output.contains(environment.pin) && !output.error.contains(environment.pin))
        }
    }

    @Test func everyCommandHasHelp() throws {
        for command in [["--help"], ["ca", "create-root", "--help"], ["issue", "--help"], ["profile", "apply", "--help"], ["bench", "issue", "--help"]] {
            let result = try Tool.run(try Self.binary, command)
            #expect(result.status == 0)
            #expect(result.output.contains("USAGE"), "\(command)")
        }
    }
}

/// DMS templates and batch registration through the `signet` binary.
@Suite struct RegistryCLITests {
    @Test func templatesLoadWithMappedCAsAndImportsReportTheirRows() async throws {
        let gate = try await GateFixture.get()
        let scratch = try Scratch()
        let templates = GateFixture.repositoryRoot.appendingPathComponent("policies/dms").path

        let unmapped = try CLITests.signet("dms", "apply", templates)
        #expect(unmapped.status != 0)
        #expect(unmapped.error.contains("settings.enrollment_settings.enrollment_ca: no CA 'issuing'"), "\(unmapped.error)")

        let applied = try CLITests.signet("dms", "apply", templates, "--ca", "issuing=\(gate.subID)", "--ca", "manufacturer=\(gate.rootID)", "--ca", "root=\(gate.rootID)")
        #expect(applied.status == 0, "\(applied.error)")
        #expect(applied.output.contains("jitp-fleet") && applied.output.contains("pre-registered-fleet"), "\(applied.output)")
        let listed = try CLITests.signet("dms", "list")
        #expect(listed.output.contains("jitp-fleet\tSensors enrolling just in time"), "\(listed.output)")

        let first = unique("cli-dev"), second = unique("cli-dev")
        let csv = try scratch.write("devices.csv", Array("id,dms,tags\n\(first),jitp-fleet,x\nbad id,jitp-fleet,\n\(second),pre-registered-fleet,\n".utf8))
        let imported = try CLITests.signet("device", "import", csv)
        #expect(imported.status == 2, "\(imported.output) \(imported.error)")
        #expect(imported.output.contains("row 3: id: 'bad id'"), "\(imported.output)")
        #expect(imported.output.contains("DONE: 2 registered, 1 refused"), "\(imported.output)")
        let again = try CLITests.signet("device", "import", csv)
        #expect(again.output.contains("DONE: 0 registered, 3 refused"), "\(again.output)")
    }
}
