import Foundation
import SignetCore
import SwiftASN1
import X509

/// A root and an issuing CA with keys in the test token, created once per test process,
/// plus helpers for profiles derived from the reviewed files in `policies/`.
struct GateFixture: Sendable {
    let environment: TestEnvironment
    let rootID: String
    let subID: String
    let root: Certificate
    let sub: Certificate

    static func get() async throws -> GateFixture {
        try await once.value()
    }

    private static let once = FixtureOnce()

    /// One creation shared by every caller (an actor alone would let callers in while it awaits).
    actor FixtureOnce {
        private var task: Task<GateFixture, any Error>?
        func value() async throws -> GateFixture {
            if let task { return try await task.value }
            let task = Task { try await GateFixture.make() }
            self.task = task
            return try await task.value
        }
    }

    private static func make() async throws -> GateFixture {
        let environment = try await TestEnvironment.get()
        for profile in try policies() { _ = try await environment.stores.profiles.save(StoredProfile(profile)) }
        let rootID = unique("root"), subID = unique("issuing")
        var rootRequest = CACreationRequest(
            id: rootID, subject: try SubjectText.parse("CN=Test Root \(rootID),O=Signet Tests,C=DE"), keySpec: .ecP256,
            profileID: "root-ca", issuanceProfileID: "subordinate-ca", requester: .localAdministrator("test")
        )
        rootRequest.allowedProfiles = ["subordinate-ca", "external-subordinate-ca", "audit-signer"]
        let root = try await environment.core.createCA(rootRequest)
        var subRequest = CACreationRequest(
            id: subID, subject: try SubjectText.parse("CN=Test Issuing \(subID),O=Signet Tests"), keySpec: .ecP256,
            profileID: "subordinate-ca", issuanceProfileID: "iot-device", parentID: rootID, requester: .localAdministrator("test")
        )
        subRequest.allowedProfiles = endEntityProfiles
        let sub = try await environment.core.createCA(subRequest)
        return GateFixture(
            environment: environment, rootID: rootID, subID: subID,
            root: try Certificate(derEncoded: root.certificateDER), sub: try Certificate(derEncoded: sub.certificateDER)
        )
    }

    static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// The reviewed profiles, decoded strictly.
    static func policies() throws -> [IssuanceProfile] {
        let directory = repositoryRoot.appendingPathComponent("policies")
        return try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".json") }.sorted().map {
            try IssuanceProfile.decode(Data(contentsOf: directory.appendingPathComponent($0)))
        }
    }

    static func policy(_ id: String) throws -> IssuanceProfile {
        guard let profile = try policies().first(where: { $0.id == id }) else { throw TestSetupError("policies/\(id).json is missing") }
        return profile
    }

    /// The reviewed profiles a sign request may use (neither CA nor OCSP responder profiles);
    /// the issuing CA allows all of them.
    static let endEntityProfiles = ["iot-device", "tls-server", "code-signing", "fleet-device"]

    /// Saves a variant of a reviewed profile under a fresh id, lets the issuing CA use it (as
    /// an administrator configures a CA), and returns the id.
    func profile(from base: String, allowOnIssuingCA: Bool = true, _ change: (inout IssuanceProfile) -> Void = { _ in }) async throws -> String {
        var profile = try Self.policy(base)
        profile.id = unique(base)
        change(&profile)
        try profile.validate()
        _ = try await environment.stores.profiles.save(StoredProfile(profile))
        if allowOnIssuingCA, let issuing = try await environment.stores.cas.ca(id: subID) {
            try await environment.stores.cas.setAllowedProfiles(caID: subID, issuing.allowedProfiles + [profile.id])
        }
        return profile.id
    }

    func pem(_ certificate: Certificate) throws -> [UInt8] {
        Array(PEMDocument(type: "CERTIFICATE", derBytes: try certificate.der()).pemString.utf8) + [0x0A]
    }
}
