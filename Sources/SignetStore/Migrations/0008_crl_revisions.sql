-- When each revision of a CA's revocation state was made (see crl_state.revision), kept
-- until a full CRL covers it. The publisher reads the oldest and the newest of these to
-- publish a full CRL soon after a burst of changes settles, and no later than a bound
-- after the first of them. Revocations only insert here; a full CRL deletes what it covers.
CREATE TABLE crl_revisions (
    ca_id       text NOT NULL REFERENCES certificate_authorities (id),
    revision    bigint NOT NULL,
    changed_at  timestamptz NOT NULL,
    PRIMARY KEY (ca_id, revision)
);

-- Changes made before this table existed and not yet in a full CRL count from now.
INSERT INTO crl_revisions (ca_id, revision, changed_at)
SELECT s.ca_id, s.revision, now() FROM crl_state s LEFT JOIN crl_publication p ON p.ca_id = s.ca_id
WHERE s.revision > COALESCE(p.full_revision, -1);
