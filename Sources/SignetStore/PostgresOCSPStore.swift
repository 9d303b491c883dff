import Foundation
import Logging
import PostgresNIO
import SignetCore

/// Pre-signed OCSP responses. A stored response counts only while its `revision` equals
/// the certificate's `revocation_seq`, checked when it is read and, under a share lock on
/// the certificate, when it is written: a response signed before a revocation is never served after it.
/// It also counts only while its `responder` is the CA's current one, checked when it is read:
/// a batch that a pre-signer finished after the responder changed (and its responses were
/// purged) is stored but never served, and is signed again. And it counts only while its CA
/// is active: a revoked or retired CA answers `unauthorized`, and a batch its pre-signer
/// signed while the revocation was committing is dropped when it is written, never served.
struct PostgresOCSPStore: OCSPStore {
    let client: PostgresClient
    let logger: Logger

    /// A stored response `o` is current for its certificate `c` of CA `ca`: signed for the
    /// certificate's revocation state, by the CA's responder now. One definition for serving
    /// and for finding what the pre-signer must sign.
    static let isCurrent = "o.revision = COALESCE(c.revocation_seq, 0) AND o.responder = COALESCE(ca.ocsp_signer_key_uri, '')"
    /// The CA `ca` still answers for its certificates. Checked from the database, not the
    /// one-second CA cache, so no process serves or stores a response past a revocation.
    static let caAnswers = "ca.status = 'ACTIVE'"

    func response(issuerCAID: String, serialNumber: String, hashAlgorithm: OCSPHashAlgorithm, validAfter: Date) async throws -> StoredOCSPResponse? {
        let lookup = ResponseLookup(issuerCAID: issuerCAID, serialNumber: serialNumber, hashAlgorithm: hashAlgorithm.rawValue, validAfter: validAfter)
        return try await client.timedExecute(lookup, logger: logger).first.map { revision, responder, producedAt, nextUpdate, der in
            StoredOCSPResponse(issuerCAID: issuerCAID, serialNumber: serialNumber, hashAlgorithm: hashAlgorithm,
                               revision: revision, responder: responder, producedAt: producedAt, nextUpdate: nextUpdate, der: der.bytes)
        }
    }

    /// The responder's one read per request, prepared once per connection.
    struct ResponseLookup: PostgresPreparedStatement {
        static let sql = """
            SELECT o.revision, o.responder, o.produced_at, o.next_update, o.der FROM ocsp_responses o
            JOIN certificates c ON c.serial_number = o.serial_number AND c.issuer_ca_id = o.issuer_ca_id
            JOIN certificate_authorities ca ON ca.id = o.issuer_ca_id
            WHERE o.issuer_ca_id = $1 AND o.serial_number = $2 AND o.hash_algorithm = $3
              AND \(PostgresOCSPStore.isCurrent) AND \(PostgresOCSPStore.caAnswers) AND o.next_update > $4
            """
        typealias Row = (Int64, String, Date, Date, ByteBuffer)
        let issuerCAID: String
        let serialNumber: String
        let hashAlgorithm: String
        let validAfter: Date

        func makeBindings() throws -> PostgresBindings {
            var binds = PostgresBindings(capacity: 4)
            binds.append(issuerCAID)
            binds.append(serialNumber)
            binds.append(hashAlgorithm)
            binds.append(validAfter)
            return binds
        }

        func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
    }

    func statuses(issuerCAID: String, serialNumbers: [String]) async throws -> [String: OCSPCertificateStatus] {
        let query: PostgresQuery = """
            SELECT serial_number, status, revoked_at, revocation_reason, COALESCE(revocation_seq, 0) FROM certificates
            WHERE issuer_ca_id = \(issuerCAID) AND serial_number = ANY(\(serialNumbers))
            """
        var result: [String: OCSPCertificateStatus] = [:]
        for try await row in try await client.timedQuery(query, logger: logger).decode((String, String, Date?, String?, Int64).self) {
            result[row.0] = Self.status(row)
        }
        return result
    }

    static let insert = MultiRowInsert(
        table: "ocsp_responses",
        columns: ["issuer_ca_id", "serial_number", "hash_algorithm", "revision", "responder", "produced_at", "next_update", "der"],
        // A VALUES list in a SELECT has no column types to infer from.
        placeholder: ["revision": { "\($0)::bigint" }, "produced_at": { "\($0)::timestamptz" }, "next_update": { "\($0)::timestamptz" }, "der": { "\($0)::bytea" }]
    )

    /// One statement per batch of up to 500 (a VALUES list joined to the certificates it
    /// is for, each locked FOR SHARE while its response is written).
    func save(_ responses: [StoredOCSPResponse]) async throws {
        for start in stride(from: 0, to: responses.count, by: 500) {
            let (values, binds) = Self.insert.valuesList(Array(responses[start..<min(start + 500, responses.count)])) { r, binds in
                binds.append(r.issuerCAID)
                binds.append(r.serialNumber)
                binds.append(r.hashAlgorithm.rawValue)
                binds.append(r.revision)
                binds.append(r.responder)
                binds.append(r.producedAt)
                binds.append(r.nextUpdate)
                binds.append(ByteBuffer(bytes: r.der))
            }
            let sql = """
                INSERT INTO ocsp_responses (\(Self.insert.columns.joined(separator: ", ")))
                SELECT v.* FROM (VALUES \(values)) AS v(\(Self.insert.columns.joined(separator: ", ")))
                JOIN certificates c ON c.serial_number = v.serial_number AND c.issuer_ca_id = v.issuer_ca_id AND COALESCE(c.revocation_seq, 0) = v.revision
                JOIN certificate_authorities ca ON ca.id = v.issuer_ca_id AND \(Self.caAnswers)
                FOR SHARE OF c
                ON CONFLICT (issuer_ca_id, serial_number, hash_algorithm) DO UPDATE
                SET revision = EXCLUDED.revision, responder = EXCLUDED.responder, produced_at = EXCLUDED.produced_at, next_update = EXCLUDED.next_update, der = EXCLUDED.der
                """
            _ = try await client.timedQuery(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger)
        }
    }

    func unsignedCertificates(issuerCAID: String, hashAlgorithm: OCSPHashAlgorithm, issuedFrom: Date, limit: Int) async throws -> [(OCSPCertificateStatus, Date)] {
        // An index walk from issuedFrom on (issuer_ca_id, issued_at), never a scan of the CA.
        let query: PostgresQuery = """
            SELECT c.serial_number, c.status, c.revoked_at, c.revocation_reason, COALESCE(c.revocation_seq, 0), c.issued_at FROM certificates c
            JOIN certificate_authorities ca ON ca.id = c.issuer_ca_id
            WHERE c.issuer_ca_id = \(issuerCAID) AND c.issued_at >= \(issuedFrom) AND c.not_after > now() AND \(unescaped: Self.caAnswers)
              AND NOT EXISTS (SELECT 1 FROM ocsp_responses o WHERE o.issuer_ca_id = c.issuer_ca_id AND o.serial_number = c.serial_number
                              AND o.hash_algorithm = \(hashAlgorithm.rawValue) AND \(unescaped: Self.isCurrent))
            ORDER BY c.issued_at LIMIT \(limit)
            """
        var result: [(OCSPCertificateStatus, Date)] = []
        for try await row in try await client.timedQuery(query, logger: logger).decode((String, String, Date?, String?, Int64, Date).self) {
            result.append((Self.status((row.0, row.1, row.2, row.3, row.4)), row.5))
        }
        return result
    }

    func changedCertificates(issuerCAID: String, hashAlgorithm: OCSPHashAlgorithm, fromRevision: Int64, limit: Int) async throws -> [OCSPCertificateStatus] {
        // An index walk of certificates_revocation_seq from fromRevision on.
        let query: PostgresQuery = """
            SELECT c.serial_number, c.status, c.revoked_at, c.revocation_reason, c.revocation_seq FROM certificates c
            JOIN certificate_authorities ca ON ca.id = c.issuer_ca_id
            WHERE c.issuer_ca_id = \(issuerCAID) AND c.revocation_seq >= \(fromRevision) AND c.not_after > now() AND \(unescaped: Self.caAnswers)
              AND NOT EXISTS (SELECT 1 FROM ocsp_responses o WHERE o.issuer_ca_id = c.issuer_ca_id AND o.serial_number = c.serial_number
                              AND o.hash_algorithm = \(hashAlgorithm.rawValue) AND \(unescaped: Self.isCurrent))
            ORDER BY c.revocation_seq LIMIT \(limit)
            """
        var result: [OCSPCertificateStatus] = []
        for try await row in try await client.timedQuery(query, logger: logger).decode((String, String, Date?, String?, Int64).self) {
            result.append(Self.status(row))
        }
        return result
    }

    func expiringResponses(issuerCAID: String, hashAlgorithm: OCSPHashAlgorithm, refreshBefore: Date, limit: Int) async throws -> [OCSPCertificateStatus] {
        let query: PostgresQuery = """
            SELECT c.serial_number, c.status, c.revoked_at, c.revocation_reason, COALESCE(c.revocation_seq, 0) FROM ocsp_responses o
            JOIN certificates c ON c.serial_number = o.serial_number AND c.issuer_ca_id = o.issuer_ca_id
            JOIN certificate_authorities ca ON ca.id = o.issuer_ca_id
            WHERE o.issuer_ca_id = \(issuerCAID) AND o.hash_algorithm = \(hashAlgorithm.rawValue) AND o.next_update <= \(refreshBefore) AND c.not_after > now()
              AND \(unescaped: Self.caAnswers)
            ORDER BY o.next_update LIMIT \(limit)
            """
        var result: [OCSPCertificateStatus] = []
        for try await row in try await client.timedQuery(query, logger: logger).decode((String, String, Date?, String?, Int64).self) {
            result.append(Self.status(row))
        }
        return result
    }

    func claimRefresh(issuerCAID: String, holder: UUID, for seconds: TimeInterval) async throws -> Bool {
        let query: PostgresQuery = """
            INSERT INTO ocsp_refresh_leases (ca_id, holder, until) VALUES (\(issuerCAID), \(holder), now() + \(seconds) * interval '1 second')
            ON CONFLICT (ca_id) DO UPDATE SET holder = EXCLUDED.holder, until = EXCLUDED.until
            WHERE ocsp_refresh_leases.holder = EXCLUDED.holder OR ocsp_refresh_leases.until < now()
            RETURNING holder
            """
        return !(try await client.committedQuery(query, logger: logger)).isEmpty
    }

    func purge(issuerCAID: String) async throws {
        try await client.committedQuery("DELETE FROM ocsp_responses WHERE issuer_ca_id = \(issuerCAID)", logger: logger)
    }

    static func status(_ row: (String, String, Date?, String?, Int64)) -> OCSPCertificateStatus {
        let (serial, status, revokedAt, reason, revision) = row
        let certStatus: OCSPCertStatus = status == "REVOKED"
            ? .revoked(at: revokedAt ?? Date(timeIntervalSince1970: 0), reason: reason.flatMap { RevocationReason(name: $0) })
            : .good
        return OCSPCertificateStatus(serialNumber: serial, status: certStatus, revision: revision)
    }
}
