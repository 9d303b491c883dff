-- Revocation, CRLs and OCSP.

-- When a certificate was revoked, why, since when it was compromised (if known), and at which
-- revision of its issuer's revocation state (see crl_state.revision).
ALTER TABLE certificates ADD COLUMN invalidity_date timestamptz;
ALTER TABLE certificates ADD COLUMN revocation_seq bigint;
CREATE INDEX certificates_revoked ON certificates (issuer_ca_id, serial_number) WHERE status = 'REVOKED';
CREATE INDEX certificates_revocation_seq ON certificates (issuer_ca_id, revocation_seq) WHERE revocation_seq IS NOT NULL;
CREATE INDEX certificates_revocation_reason ON certificates (revocation_reason);
CREATE INDEX certificates_revoked_at ON certificates (revoked_at);
CREATE INDEX certificates_issuer_issued_at ON certificates (issuer_ca_id, issued_at);

-- A CA's delegated OCSP responder: a key in the token and the certificate the CA issued for it.
ALTER TABLE certificate_authorities ADD COLUMN ocsp_signer_key_uri text;
ALTER TABLE certificate_authorities ADD COLUMN ocsp_signer_certificate bytea;
ALTER TABLE certificate_authorities ADD CONSTRAINT ocsp_signer_complete
    CHECK ((ocsp_signer_key_uri IS NULL) = (ocsp_signer_certificate IS NULL));

-- Every revocation change of a certificate a CA issued bumps the CA's `revision` in the same
-- transaction (one row lock, held only by revocations). A CRL is built in one repeatable-read
-- snapshot, so it covers exactly the changes up to the revision it read.
CREATE TABLE crl_state (
    ca_id     text PRIMARY KEY REFERENCES certificate_authorities (id),
    revision  bigint NOT NULL DEFAULT 0
);

-- What publishers of a CA's CRLs have done. A publisher locks the CA's row first; a second
-- one gets a serialization failure and starts again on a snapshot that includes the first's
-- work: CRL numbers are allocated here, never twice.
CREATE TABLE crl_publication (
    ca_id               text PRIMARY KEY REFERENCES certificate_authorities (id),
    crl_number          bigint NOT NULL DEFAULT 0,
    published_revision  bigint NOT NULL DEFAULT -1,
    full_number         bigint,
    full_revision       bigint,
    full_due_at         timestamptz,
    delta_due_at        timestamptz
);
CREATE INDEX crl_publication_due ON crl_publication (full_due_at, delta_due_at);

-- Every CRL published, full and delta; the latest of each kind is what /crl serves.
CREATE TABLE crls (
    ca_id            text NOT NULL REFERENCES certificate_authorities (id),
    crl_number       bigint NOT NULL,
    kind             text NOT NULL CHECK (kind IN ('FULL', 'DELTA')),
    base_crl_number  bigint,
    revision         bigint NOT NULL,
    this_update      timestamptz NOT NULL,
    next_update      timestamptz NOT NULL,
    entries          integer NOT NULL,
    decision_id      uuid NOT NULL,
    size             bigint NOT NULL,
    PRIMARY KEY (ca_id, crl_number),
    CHECK ((kind = 'DELTA') = (base_crl_number IS NOT NULL))
);
CREATE INDEX crls_latest ON crls (ca_id, kind, crl_number DESC);

-- A CRL's DER in order of `sequence`: written and served a chunk at a time, so memory does
-- not grow with the number of revoked certificates.
CREATE TABLE crl_chunks (
    ca_id       text NOT NULL,
    crl_number  bigint NOT NULL,
    sequence    integer NOT NULL,
    bytes       bytea NOT NULL,
    PRIMARY KEY (ca_id, crl_number, sequence)
);

-- Signed OCSP responses, ready to serve without the token. A response is valid only while
-- `revision` equals its certificate's revocation_seq (0 before any revocation change).
CREATE TABLE ocsp_responses (
    issuer_ca_id   text NOT NULL,
    serial_number  text NOT NULL,
    hash_algorithm text NOT NULL,
    revision       bigint NOT NULL,
    produced_at    timestamptz NOT NULL,
    next_update    timestamptz NOT NULL,
    der            bytea NOT NULL,
    PRIMARY KEY (issuer_ca_id, serial_number, hash_algorithm)
);
CREATE INDEX ocsp_responses_next_update ON ocsp_responses (issuer_ca_id, next_update);

-- Which server process pre-signs a CA's OCSP responses for now: one at a time, each claim
-- a lease that lapses if its holder stops renewing it.
CREATE TABLE ocsp_refresh_leases (
    ca_id   text PRIMARY KEY,
    holder  uuid NOT NULL,
    until   timestamptz NOT NULL
);
