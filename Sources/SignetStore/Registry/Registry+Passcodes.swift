import Foundation
import PostgresNIO

extension Registry {
    /// Stores a passcode's digest for one device of a DMS, usable `uses` times until `expiresAt`.
    public func createPasscode(dms: String, deviceID: String, digest: [UInt8], uses: Int, expiresAt: Date, actor: String) async throws {
        try await client.committedQuery(
            """
            INSERT INTO est_passcodes (id, dms_id, device_id, digest, uses_left, expires_at, created_by)
            VALUES (\(UUID()), \(dms), \(deviceID), \(ByteBuffer(bytes: digest)), \(uses), \(expiresAt), \(actor))
            """,
            logger: logger
        )
    }

    /// Takes one use of a passcode, if it is this device's, unexpired and not used up.
    /// Returns the passcode's id (to give the use back if enrollment fails), or nil.
    public func consumePasscode(dms: String, deviceID: String, digest: [UInt8]) async throws -> UUID? {
        let query: PostgresQuery = """
            UPDATE est_passcodes SET uses_left = uses_left - 1
            WHERE digest = \(ByteBuffer(bytes: digest)) AND dms_id = \(dms) AND device_id = \(deviceID) AND uses_left > 0 AND expires_at > now()
            RETURNING id
            """
        for row in try await client.committedQuery(query, logger: logger) { return try row.decode(UUID.self) }
        return nil
    }

    /// Gives back a use taken by an enrollment that did not complete.
    public func restorePasscode(_ id: UUID) async throws {
        try await client.committedQuery("UPDATE est_passcodes SET uses_left = uses_left + 1 WHERE id = \(id)", logger: logger)
    }
}
