-- The gate's state: profiles (with every version), CAs, certificates, decisions.

CREATE TABLE issuance_profiles (
    id          text PRIMARY KEY,
    version     text NOT NULL,
    document    jsonb NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE issuance_profile_versions (
    id          text NOT NULL,
    version     text NOT NULL,
    document    jsonb NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (id, version)
);

CREATE TABLE certificate_authorities (
    id                      text PRIMARY KEY,
    kind                    text NOT NULL CHECK (kind IN ('ROOT', 'SUBORDINATE', 'IMPORTED')),
    parent_id               text REFERENCES certificate_authorities (id),
    level                   integer NOT NULL CHECK (level >= 0),
    certificate             bytea NOT NULL,
    key_uri                 text,
    profile_id              text,
    ca_issuance_profile_id  text,
    status                  text NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('ACTIVE', 'REVOKED', 'DELETED')),
    metadata                jsonb NOT NULL DEFAULT '{}',
    created_at              timestamptz NOT NULL DEFAULT now(),
    CHECK ((kind = 'IMPORTED') = (key_uri IS NULL))
);

CREATE TABLE certificates (
    serial_number    text PRIMARY KEY CHECK (serial_number ~ '^[0-9a-f]+$'),
    issuer_ca_id     text NOT NULL REFERENCES certificate_authorities (id),
    subject          text NOT NULL,
    common_name      text,
    key_type         text NOT NULL,
    key_size         integer NOT NULL,
    not_before       timestamptz NOT NULL,
    not_after        timestamptz NOT NULL,
    status           text NOT NULL DEFAULT 'ACTIVE',
    revoked_at       timestamptz,
    revocation_reason text,
    profile_id       text NOT NULL,
    profile_version  text NOT NULL,
    requester        text NOT NULL,
    decision_id      uuid NOT NULL,
    der              bytea NOT NULL,
    metadata         jsonb NOT NULL DEFAULT '{}',
    issued_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX certificates_issuer_serial ON certificates (issuer_ca_id, serial_number);
CREATE INDEX certificates_not_after ON certificates (not_after);
CREATE INDEX certificates_status ON certificates (status);
CREATE INDEX certificates_profile ON certificates (profile_id);
CREATE INDEX certificates_subject ON certificates (subject);
CREATE INDEX certificates_common_name ON certificates (common_name);
CREATE INDEX certificates_key ON certificates (key_type, key_size);
CREATE INDEX certificates_key_size ON certificates (key_size);
CREATE INDEX certificates_not_before ON certificates (not_before);
CREATE INDEX certificates_issued_at ON certificates (issued_at);
CREATE INDEX certificates_requester ON certificates (requester);
CREATE INDEX certificates_metadata ON certificates USING gin (metadata jsonb_path_ops);
CREATE INDEX cas_parent ON certificate_authorities (parent_id);
CREATE INDEX cas_status ON certificate_authorities (status);
CREATE INDEX cas_profiles ON certificate_authorities (profile_id, ca_issuance_profile_id);
CREATE INDEX cas_issuance_profile ON certificate_authorities (ca_issuance_profile_id);
CREATE INDEX cas_created_at ON certificate_authorities (created_at);
CREATE INDEX cas_metadata ON certificate_authorities USING gin (metadata jsonb_path_ops);
CREATE INDEX profiles_updated_at ON issuance_profiles (updated_at);
CREATE INDEX profiles_version ON issuance_profiles (version);

-- The audit trail: the gate's decisions and every state-changing API call, append-only.
-- Each row carries a MAC over its own fields (computed by Signet with the audit key, so a
-- row written by anything else is detectable) and, once sealed, its place in the hash
-- chain (chain_seq contiguous from 1, chain_mac over the previous chain_mac). Rows are
-- written without any global lock; a single sealer links them in batches.
CREATE TABLE audit_log (
    id                   uuid PRIMARY KEY,
    recorded_at          timestamptz NOT NULL,
    category             text NOT NULL CHECK (category IN ('DECISION', 'API')),
    action               text NOT NULL,
    actor                text NOT NULL,
    target               text NOT NULL,
    outcome              text NOT NULL,
    profile_id           text,
    profile_version      text,
    request_fingerprint  text,
    failed_rule          text,
    serial_number        text,
    detail               text NOT NULL,
    record_mac           text NOT NULL,
    chain_seq            bigint UNIQUE,
    chain_mac            text
);
CREATE INDEX audit_log_recorded_at ON audit_log (recorded_at, id);
CREATE INDEX audit_log_unsealed ON audit_log (recorded_at) WHERE chain_seq IS NULL;
CREATE INDEX audit_log_target ON audit_log (target, recorded_at);
CREATE INDEX audit_log_actor ON audit_log (actor, recorded_at);
CREATE INDEX audit_log_action ON audit_log (action, recorded_at);
CREATE INDEX audit_log_outcome ON audit_log (outcome, recorded_at);
CREATE INDEX audit_log_category ON audit_log (category, recorded_at);
CREATE INDEX audit_log_fingerprint ON audit_log (request_fingerprint);
CREATE INDEX audit_log_serial ON audit_log (serial_number);

-- The gate's decisions as the core and reviewers read them.
CREATE VIEW decisions AS
    SELECT id, recorded_at AS decided_at, action, target AS ca_id, profile_id, profile_version,
           actor AS requester, request_fingerprint, outcome, failed_rule, serial_number,
           (detail::jsonb) -> 'rules' AS rules
    FROM audit_log WHERE category = 'DECISION';
