import Foundation
import SignetStore
import Testing

/// `sslmode` in the database URL is read strictly: a misspelt mode is an error naming it,
/// never a silent fallback to plaintext.
@Suite struct DatabaseSSLModeTests {
    static func mode(_ query: String) throws -> (mode: DatabaseSSLMode, rootCertificate: String?) {
        try DatabaseSSLMode.read(try #require(URLComponents(string: "postgres://signet@db.example.com/signet" + query)))
    }

    @Test func everyLibpqModeIsReadAndAnythingElseIsAnError() throws {
        #expect(try Self.mode("").mode == .disable)
        for mode in DatabaseSSLMode.allCases {
            #expect(try Self.mode("?sslmode=\(mode.rawValue)").mode == mode)
        }
        #expect(try Self.mode("?sslmode=verify-full&sslrootcert=/etc/ca.pem").rootCertificate == "/etc/ca.pem")
        for bad in ["verify_full", "required", "VERIFY-FULL", "", "on"] {
            let error = #expect(throws: StoreError.self) { try Self.mode("?sslmode=\(bad)") }
            #expect(error?.description.contains("sslmode '\(bad)'") == true, "\(String(describing: error))")
        }
        #expect(throws: StoreError.self) { try Self.mode("?sslmode=require&sslmode=disable") }
    }

    @Test func theDatabaseRefusesABadModeAtStartUp() throws {
        let auditKey = try AuditKey(file: try TestEnvironment.variable("SIGNET_AUDIT_KEY_FILE"))
        let typo = #expect(throws: StoreError.self) {
            try Database(url: "postgres://signet@localhost:5432/signet?sslmode=verify-fulll", auditKey: auditKey)
        }
        #expect(typo?.description.contains("verify-fulll") == true)
        // verify-full checks the name in the certificate: the host must be a name.
        #expect(throws: StoreError.self) { try Database(url: "postgres://signet@127.0.0.1/signet?sslmode=verify-full", auditKey: auditKey) }
        #expect(throws: StoreError.self) { try Database(url: "postgres://signet@localhost/signet?sslmode=require&sslrootcert=/nonexistent.pem", auditKey: auditKey) }
        _ = try Database(url: "postgres://signet@localhost/signet?sslmode=verify-full", auditKey: auditKey)
    }
}
