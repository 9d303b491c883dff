import Foundation
import PostgresNIO
import Testing

/// An enrollment issues, then binds the certificate to the device. A device disabled or
/// decommissioned in between is refused at the binding; the certificate it was about to get
/// is not returned, and it is revoked rather than left active and bound to no device.
@Suite struct ESTUnboundCertificateTests {
    @Test func aCertificateTheDeviceCannotBeBoundToIsRevoked() async throws {
        let fixture = try await ESTFixture.make("est-unbound")
        let environment = try await TestEnvironment.get()
        let device = unique("dev")
        #expect(try fixture.registry.register(device).status == 201)
        // An operator disables the device just as its certificate commits (a trigger stands
        // in for the operator's request arriving at that moment).
        let trigger = unique("disable_on_issue").replacingOccurrences(of: "-", with: "_")
        try await environment.database.client.fetch(PostgresQuery(unsafeSQL: """
            CREATE FUNCTION \(trigger)() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN UPDATE devices SET enabled = false WHERE id = '\(device)'; RETURN NULL; END $$
            """))
        try await environment.database.client.fetch(PostgresQuery(unsafeSQL: """
            CREATE TRIGGER \(trigger) AFTER INSERT ON certificates FOR EACH ROW
            WHEN (NEW.requester LIKE '%:\(device)') EXECUTE FUNCTION \(trigger)()
            """))
        let answer: ESTFixture.Answer
        do {
            answer = try fixture.est("simpleenroll", body: try fixture.csr("/CN=\(device)").body, certificate: try fixture.bootstrap(device))
            try await Self.drop(trigger, environment)
        } catch {
            try await Self.drop(trigger, environment)
            throw error
        }
        #expect(answer.status == 423 && answer.text.hasSuffix("rule: est.device\n"), "\(answer.status) \(answer.text)")

        let stored = try await environment.rows(
            "SELECT status, revocation_reason FROM certificates WHERE requester LIKE \("%:" + device)", as: (String, String?).self
        )
        #expect(stored.count == 1 && stored.first?.0 == "REVOKED" && stored.first?.1 == "CessationOfOperation", "\(stored)")
    }

    static func drop(_ trigger: String, _ environment: TestEnvironment) async throws {
        try await environment.database.client.fetch(PostgresQuery(unsafeSQL: "DROP TRIGGER \(trigger) ON certificates"))
        try await environment.database.client.fetch(PostgresQuery(unsafeSQL: "DROP FUNCTION \(trigger)()"))
    }
}
