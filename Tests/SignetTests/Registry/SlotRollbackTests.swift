import Foundation
import Testing

/// `POST /devices/{id}/slots/{slot}/rollback`: a new version with an earlier version's
/// content, recording the version it repeats and who asked; the history is never rewritten.
@Suite struct SlotRollbackTests {
    static func slot(_ device: [String: Any], _ name: String) -> [String: Any] {
        (device["slots"] as? [[String: Any]] ?? []).first { $0["slot"] as? String == name } ?? [:]
    }

    @Test func aRollbackIsANewVersionWithTheEarlierContent() async throws {
        let fixture = try await RegistryFixture.make("rollback")
        let server = fixture.server
        let device = unique("dev")
        let first = try fixture.provisioned(device)
        let second = try fixture.issue(for: device).serial
        #expect(try fixture.bind(device, second).status == 200)
        let base = "/api/devmanager/v1/devices/\(device)/slots"

        let operatorToken = server.token(["operator"], subject: "rollbacker")
        let rolled = try server.curl("POST", "\(base)/identity/rollback", token: operatorToken, body: try server.json(["version": 1]))
        #expect(rolled.status == 200, "\(rolled.text)")
        let body = try rolled.json()
        #expect((body["identity"] as? [String: Any])?["serial_number"] as? String == first)
        let identity = Self.slot(body, "identity")
        #expect(identity["active_version"] as? Int == 3)
        let versions = identity["versions"] as? [[String: Any]] ?? []
        #expect(versions.compactMap { $0["serial_number"] as? String } == [first, second, first])
        #expect(versions.map { $0["rollback_of"] as? Int } == [nil, nil, 1])
        #expect(versions.last?["actor"] as? String == "jwt:rollbacker")
        let events = try server.curl("GET", "/api/devmanager/v1/devices/\(device)/events?page_size=100", token: fixture.token).json()["list"] as? [[String: Any]] ?? []
        #expect(events.contains { ($0["detail"] as? String) == "slot identity version 3: rollback to version 1: certificate \(first)" && $0["actor"] as? String == "jwt:rollbacker" }, "\(events)")

        let cases: [(String, String, Any, Int, String)] = [
            ("unknown version", "identity", ["version": 9], 404, "slot identity of device '\(device)' has no version 9; its versions are 1–3"),
            ("the active one", "identity", ["version": 3], 409, "version 3 is already the active version of slot identity"),
            ("same content as the active one", "identity", ["version": 1], 409, "version 1 holds what the active version 3 of slot identity already holds"),
            ("no version", "identity", [String: Any](), 400, "version: is required"),
            ("not a number", "identity", ["version": "1"], 400, "version: must be a whole number"),
            ("zero", "identity", ["version": 0], 400, "version: must be 1 or more"),
            ("unknown slot", "nope", ["version": 1], 404, "device '\(device)' has no slot nope"),
        ]
        for (what, slot, request, status, message) in cases {
            let result = try server.curl("POST", "\(base)/\(slot)/rollback", token: fixture.token, body: try server.json(request))
            #expect(result.status == status, "\(what): \(result.text)")
            #expect((RegistryFixture.error(result)["message"] as? String)?.hasPrefix(message) == true, "\(what): \(result.text)")
        }
        let missing = try server.curl("POST", "/api/devmanager/v1/devices/no-such-device/slots/identity/rollback", token: fixture.token, body: try server.json(["version": 1]))
        #expect(missing.status == 404)
        #expect(RegistryFixture.error(missing)["message"] as? String == "no device with id 'no-such-device'")
        #expect(try server.curl("POST", "\(base)/identity/rollback", token: server.token(["auditor"]), body: try server.json(["version": 2])).status == 403)

        // A certificate revoked since cannot come back.
        #expect(try fixture.ca.setStatus(second, ["status": "REVOKED", "revocation_reason": "KeyCompromise"]).status == 200)
        let revoked = try server.curl("POST", "\(base)/identity/rollback", token: fixture.token, body: try server.json(["version": 2]))
        #expect(revoked.status == 422, "\(revoked.text)")
        #expect(RegistryFixture.error(revoked)["message"] as? String == "certificate \(second) is revoked")
        #expect(Self.slot(try fixture.device(device), "identity")["active_version"] as? Int == 3, "nothing was added")

        // Secret slots roll back the same way.
        for reference in ["vault:k1", "vault:k2"] {
            let bound = try server.curl("PUT", "\(base)/ssh", token: fixture.token, body: try server.json(["type": "SSH_KEY", "secret_ref": reference]))
            #expect(bound.status == 200, "\(bound.text)")
        }
        let secret = try server.curl("POST", "\(base)/ssh/rollback", token: fixture.token, body: try server.json(["version": 1]))
        #expect(secret.status == 200, "\(secret.text)")
        let ssh = Self.slot(try secret.json(), "ssh")
        #expect(ssh["secret_ref"] as? String == "vault:k1")
        #expect((ssh["versions"] as? [[String: Any]] ?? []).map { $0["rollback_of"] as? Int } == [nil, nil, 1])
    }
}
