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
    status                  text NOT NULL DEFAULT 'ACTIVE',
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
    profile_id       text NOT NULL,
    profile_version  text NOT NULL,
    requester        text NOT NULL,
    decision_id      uuid NOT NULL,
    der              bytea NOT NULL,
    issued_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX certificates_issuer_serial ON certificates (issuer_ca_id, serial_number);
CREATE INDEX certificates_not_after ON certificates (not_after);
CREATE INDEX certificates_status ON certificates (status);
CREATE INDEX certificates_profile ON certificates (profile_id);

CREATE TABLE decisions (
    id                   uuid PRIMARY KEY,
    decided_at           timestamptz NOT NULL,
    action               text NOT NULL,
    ca_id                text NOT NULL,
    profile_id           text,
    profile_version      text,
    requester            text NOT NULL,
    request_fingerprint  text,
    outcome              text NOT NULL CHECK (outcome IN ('APPROVED', 'REFUSED', 'FAILED')),
    failed_rule          text,
    serial_number        text,
    rules                jsonb NOT NULL
);
CREATE INDEX decisions_decided_at ON decisions (decided_at);
CREATE INDEX decisions_ca ON decisions (ca_id, decided_at);
CREATE INDEX decisions_fingerprint ON decisions (request_fingerprint);
CREATE INDEX decisions_serial ON decisions (serial_number);
