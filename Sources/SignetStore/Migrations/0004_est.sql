-- One-time passcodes for EST enrollment. Only a SHA-256 digest of each passcode is kept (the
-- passcode is 128 random bits, shown once when it is made); a use is taken atomically.
CREATE TABLE est_passcodes (
    id          uuid PRIMARY KEY,
    dms_id      text NOT NULL REFERENCES dms (id) ON DELETE CASCADE,
    device_id   text NOT NULL,
    digest      bytea NOT NULL UNIQUE,
    uses_left   integer NOT NULL CHECK (uses_left >= 0),
    expires_at  timestamptz NOT NULL,
    created_by  text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX est_passcodes_device ON est_passcodes (dms_id, device_id);
