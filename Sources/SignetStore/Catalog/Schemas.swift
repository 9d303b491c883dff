import SignetCore
import SignetQuery

/// The fields each list endpoint can filter and sort by. Every one is backed by an index
/// (see the migrations); nothing else is accepted.
public enum Schemas {
    public static let certificates = ResourceQuerySchema(
        fields: [
            QueryField(name: "serial_number", column: "c.serial_number", type: .string, nullable: false),
            QueryField(name: "issuer_ca_id", column: "c.issuer_ca_id", type: .string, nullable: false),
            QueryField(name: "subject", column: "c.subject", type: .string, nullable: false),
            QueryField(name: "common_name", column: "c.common_name", type: .string),
            QueryField(name: "status", column: CertificateColumns.derivedStatus, type: .enumeration(["ACTIVE", "REVOKED", "EXPIRED"])),
            QueryField(name: "key_type", column: "c.key_type", type: .enumeration(["RSA", "ECDSA"])),
            QueryField(name: "key_size", column: "c.key_size", type: .number, nullable: false),
            QueryField(name: "valid_from", column: "c.not_before", type: .date, nullable: false),
            QueryField(name: "valid_to", column: "c.not_after", type: .date, nullable: false),
            QueryField(name: "issued_at", column: "c.issued_at", type: .date, nullable: false),
            QueryField(name: "profile_id", column: "c.profile_id", type: .string, nullable: false),
            QueryField(name: "requester", column: "c.requester", type: .string, nullable: false),
            QueryField(name: "revoked_at", column: "c.revoked_at", type: .date),
            QueryField(name: "revocation_reason", column: "c.revocation_reason", type: .enumeration(RevocationReason.allCases.map(\.name))),
            QueryField(name: "metadata", column: "c.metadata", type: .json, sortable: false),
        ],
        idColumn: "c.serial_number",
        defaultSort: "serial_number"
    )

    public static let cas = ResourceQuerySchema(
        fields: [
            QueryField(name: "id", column: "a.id", type: .string, nullable: false),
            QueryField(name: "kind", column: "a.kind", type: .enumeration(["ROOT", "SUBORDINATE", "IMPORTED"])),
            QueryField(name: "level", column: "a.level", type: .number, nullable: false),
            QueryField(name: "parent_id", column: "a.parent_id", type: .string),
            QueryField(name: "status", column: "a.status", type: .enumeration(["ACTIVE", "REVOKED", "DELETED"])),
            QueryField(name: "profile_id", column: "a.profile_id", type: .string),
            QueryField(name: "ca_issuance_profile_id", column: "a.ca_issuance_profile_id", type: .string),
            QueryField(name: "created_at", column: "a.created_at", type: .date, nullable: false),
            QueryField(name: "metadata", column: "a.metadata", type: .json, sortable: false),
        ],
        idColumn: "a.id",
        defaultSort: "id"
    )

    public static let profiles = ResourceQuerySchema(
        fields: [
            QueryField(name: "id", column: "p.id", type: .string, nullable: false),
            QueryField(name: "name", column: "p.name", type: .string),
            QueryField(name: "description", column: "p.description", type: .string),
            QueryField(name: "version", column: "p.version", type: .string, nullable: false),
            QueryField(name: "updated_at", column: "p.updated_at", type: .date, nullable: false),
        ],
        idColumn: "p.id",
        defaultSort: "id"
    )

    public static let audit = ResourceQuerySchema(
        fields: [
            QueryField(name: "recorded_at", column: "l.recorded_at", type: .date, nullable: false),
            QueryField(name: "category", column: "l.category", type: .enumeration(["DECISION", "API"])),
            QueryField(name: "action", column: "l.action", type: .string),
            QueryField(name: "actor", column: "l.actor", type: .string),
            QueryField(name: "target", column: "l.target", type: .string),
            QueryField(name: "outcome", column: "l.outcome", type: .string),
            QueryField(name: "serial_number", column: "l.serial_number", type: .string),
            QueryField(name: "request_fingerprint", column: "l.request_fingerprint", type: .string),
        ],
        idColumn: "l.id::text",
        defaultSort: "recorded_at"
    )
}

enum CertificateColumns {
    /// EXPIRED is derived from notAfter at read time, never written by a job.
    static let derivedStatus = "(CASE WHEN c.status = 'ACTIVE' AND c.not_after <= now() THEN 'EXPIRED' ELSE c.status END)"
}
