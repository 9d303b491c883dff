import SignetQuery

/// The derived lifecycle status of a device or slot, from the stored window boundaries.
///
/// `preventive_at ≤ critical_at ≤ not_after` always holds (a table constraint), so the
/// predicates below are mutually exclusive, and each is a comparison with now() that one of
/// the partial indexes on live devices answers.
public enum DeviceStatus {
    public static let names = ["NO_IDENTITY", "ACTIVE", "RENEWAL_PENDING", "EXPIRING_SOON", "EXPIRED", "REVOKED", "DECOMMISSIONED"]

    static let derived = DerivedEnumeration([
        ("NO_IDENTITY", "d.lifecycle = 'NO_IDENTITY'"),
        ("ACTIVE", "d.lifecycle = 'LIVE' AND d.preventive_at > now()"),
        ("RENEWAL_PENDING", "d.lifecycle = 'LIVE' AND tstzrange(d.preventive_at, d.critical_at) @> now()"),
        ("EXPIRING_SOON", "d.lifecycle = 'LIVE' AND tstzrange(d.critical_at, d.identity_not_after) @> now()"),
        ("EXPIRED", "d.lifecycle = 'LIVE' AND d.identity_not_after <= now()"),
        ("REVOKED", "d.lifecycle = 'REVOKED'"),
        ("DECOMMISSIONED", "d.lifecycle = 'DECOMMISSIONED'"),
    ])

    /// The same derivation as one value, for the SELECT list and sorting.
    static let device = derived.caseExpression

    /// A slot's status: the same windows over its active version (non-certificate slots
    /// have no expiry and are ACTIVE).
    static let slot = """
        (CASE WHEN s.revoked THEN 'REVOKED' WHEN s.not_after IS NULL THEN 'ACTIVE' WHEN s.not_after <= now() THEN 'EXPIRED' \
        WHEN s.critical_at <= now() THEN 'EXPIRING_SOON' WHEN s.preventive_at <= now() THEN 'RENEWAL_PENDING' ELSE 'ACTIVE' END)
        """
}

extension Schemas {
    public static let devices = ResourceQuerySchema(
        fields: [
            QueryField(name: "id", column: "d.id", type: .string, nullable: false),
            QueryField(name: "dms_owner", column: "d.dms_owner", type: .string, nullable: false),
            QueryField(name: "group", column: "d.device_group", type: .string),
            QueryField(name: "tags", column: "d.tags", type: .tags),
            QueryField(name: "status", column: DeviceStatus.device, type: .derived(DeviceStatus.derived)),
            QueryField(name: "enabled", column: "d.enabled", type: .enumeration(["true", "false"])),
            QueryField(name: "metadata", column: "d.metadata", type: .json),
            QueryField(name: "created_at", column: "d.created_at", type: .date, nullable: false),
            QueryField(name: "identity_serial", column: "d.identity_serial", type: .string),
            QueryField(name: "identity_expires_at", column: "d.identity_not_after", type: .date),
        ],
        idColumn: "d.id",
        defaultSort: "id"
    )

    public static let dms = ResourceQuerySchema(
        fields: [
            QueryField(name: "id", column: "m.id", type: .string, nullable: false),
            QueryField(name: "name", column: "m.name", type: .string, nullable: false),
            QueryField(name: "issuance_profile_id", column: "(m.settings ->> 'issuance_profile_id')", type: .string),
            QueryField(name: "created_at", column: "m.created_at", type: .date, nullable: false),
            QueryField(name: "metadata", column: "m.metadata", type: .json),
        ],
        idColumn: "m.id",
        defaultSort: "id"
    )

    public static let deviceGroups = ResourceQuerySchema(
        fields: [
            QueryField(name: "id", column: "g.id", type: .string, nullable: false),
            QueryField(name: "name", column: "g.name", type: .string, nullable: false),
            QueryField(name: "parent_id", column: "g.parent_id", type: .string),
            QueryField(name: "created_at", column: "g.created_at", type: .date, nullable: false),
        ],
        idColumn: "g.id",
        defaultSort: "id"
    )

    /// A device's events; `device_id` is set by the route, not by clients' bookmarks.
    public static let deviceEvents = ResourceQuerySchema(
        fields: [
            QueryField(name: "device_id", column: "e.device_id", type: .string),
            QueryField(name: "kind", column: "e.kind", type: .enumeration(DeviceEventKind.allCases.map(\.rawValue))),
            QueryField(name: "at", column: "e.at", type: .date, nullable: false),
            QueryField(name: "actor", column: "e.actor", type: .string, nullable: false),
            QueryField(name: "id", column: "lpad(e.id::text, 20, '0')", type: .string, nullable: false),
        ],
        idColumn: "lpad(e.id::text, 20, '0')",
        defaultSort: "id"
    )
}
