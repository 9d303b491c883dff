import Crypto
import Foundation
import Logging
import PostgresNIO

/// A signed-in console user: who, with which roles, until when, and the CSRF token their
/// forms carry.
public struct ConsoleSession: Sendable {
    public let subject: String
    public let roles: [String]
    public let csrfToken: String
    public let expiresAt: Date
}

/// One-time sign-in tickets and the sessions they open (migration 0016). Tickets and cookies
/// are 256 random bits; the database keeps their SHA-256 only.
public struct ConsoleSessions: Sendable {
    let client: PostgresClient
    let logger: Logger

    /// A ticket for `subject` with `roles`, redeemable once within `lifetime`.
    public func issueTicket(subject: String, roles: [String], lifetime: TimeInterval = 300) async throws -> String {
        let ticket = Self.secret()
        try await client.timedQuery("""
            INSERT INTO console_tickets (ticket_hash, subject, roles, expires_at)
            VALUES (\(Self.hash(ticket)), \(subject), \(roles), now() + make_interval(secs => \(lifetime)))
            """, logger: logger)
        return ticket
    }

    /// Spends `ticket` and opens a session for `lifetime`; returns the cookie value and the
    /// session, or nil when the ticket is unknown, spent or expired. One statement: a ticket
    /// raced from two browsers opens one session.
    public func redeem(ticket: String, lifetime: TimeInterval) async throws -> (cookie: String, session: ConsoleSession)? {
        let cookie = Self.secret(), csrf = Self.secret()
        let rows = try await client.timedQuery("""
            WITH spent AS (
                DELETE FROM console_tickets WHERE ticket_hash = \(Self.hash(ticket)) AND expires_at > now() RETURNING subject, roles
            )
            INSERT INTO console_sessions (session_hash, subject, roles, csrf_token, expires_at)
            SELECT \(Self.hash(cookie)), subject, roles, \(csrf), now() + make_interval(secs => \(lifetime)) FROM spent
            RETURNING subject, roles, csrf_token, expires_at
            """, logger: logger)
        for try await (subject, roles, token, expires) in rows.decode((String, [String], String, Date).self) {
            return (cookie, ConsoleSession(subject: subject, roles: roles, csrfToken: token, expiresAt: expires))
        }
        return nil
    }

    /// Opens a session for `subject` with `roles` directly (an OpenID Connect sign-in, whose
    /// provider vouched for them).
    public func open(subject: String, roles: [String], lifetime: TimeInterval) async throws -> (cookie: String, session: ConsoleSession) {
        let cookie = Self.secret(), csrf = Self.secret()
        let rows = try await client.timedQuery("""
            INSERT INTO console_sessions (session_hash, subject, roles, csrf_token, expires_at)
            VALUES (\(Self.hash(cookie)), \(subject), \(roles), \(csrf), now() + make_interval(secs => \(lifetime)))
            RETURNING expires_at
            """, logger: logger)
        for try await expires in rows.decode(Date.self) {
            return (cookie, ConsoleSession(subject: subject, roles: roles, csrfToken: csrf, expiresAt: expires))
        }
        throw StoreError.unavailable("the session was not stored")
    }

    /// Remembers an OpenID Connect sign-in in progress; returns its state parameter.
    public func beginOIDC(nonce: String, codeVerifier: String, lifetime: TimeInterval = 600) async throws -> String {
        let state = Self.secret()
        try await client.timedQuery("""
            INSERT INTO console_oidc_logins (state_hash, nonce, code_verifier, expires_at)
            VALUES (\(Self.hash(state)), \(nonce), \(codeVerifier), now() + make_interval(secs => \(lifetime)))
            """, logger: logger)
        return state
    }

    /// Spends a sign-in's state: its nonce and code verifier, or nil when unknown, spent or expired.
    public func finishOIDC(state: String) async throws -> (nonce: String, codeVerifier: String)? {
        let rows = try await client.timedQuery("""
            DELETE FROM console_oidc_logins WHERE state_hash = \(Self.hash(state)) AND expires_at > now() RETURNING nonce, code_verifier
            """, logger: logger)
        for try await (nonce, verifier) in rows.decode((String, String).self) { return (nonce, verifier) }
        return nil
    }

    /// The live session a cookie names, if any.
    public func session(cookie: String) async throws -> ConsoleSession? {
        let rows = try await client.timedQuery("""
            SELECT subject, roles, csrf_token, expires_at FROM console_sessions
            WHERE session_hash = \(Self.hash(cookie)) AND expires_at > now()
            """, logger: logger)
        for try await (subject, roles, token, expires) in rows.decode((String, [String], String, Date).self) {
            return ConsoleSession(subject: subject, roles: roles, csrfToken: token, expiresAt: expires)
        }
        return nil
    }

    /// Ends the session a cookie names, and clears out expired tickets and sessions.
    public func end(cookie: String) async throws {
        try await client.timedQuery("DELETE FROM console_sessions WHERE session_hash = \(Self.hash(cookie)) OR expires_at < now()", logger: logger)
        try await client.timedQuery("DELETE FROM console_tickets WHERE expires_at < now()", logger: logger)
    }

    /// 256 random bits, base64url without padding.
    public static func secret() -> String {
        let bytes = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }
        return bytes.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static func hash(_ secret: String) -> ByteBuffer { ByteBuffer(bytes: SHA256.hash(data: Data(secret.utf8))) }
}

extension Database {
    public var consoleSessions: ConsoleSessions { ConsoleSessions(client: client, logger: logger) }
}
