-- DMS (enrollment policy per device population) and the device registry.

-- A DMS's settings are kept as written (they were read strictly and checked before they got
-- here). The two windows that decide a device's status are copied out as intervals, so a
-- device's window boundaries can be recomputed in SQL when the DMS changes.
CREATE TABLE dms (
    id                text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$'),
    name              text NOT NULL,
    settings          jsonb NOT NULL,
    preventive_delta  interval NOT NULL,
    critical_delta    interval NOT NULL,
    metadata          jsonb NOT NULL DEFAULT '{}',
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    CHECK (interval '0' <= critical_delta AND critical_delta <= preventive_delta)
);
CREATE INDEX dms_name ON dms (name);
CREATE INDEX dms_created_at ON dms (created_at);
CREATE INDEX dms_metadata ON dms USING gin (metadata jsonb_path_ops);
CREATE INDEX dms_issuance_profile ON dms ((settings ->> 'issuance_profile_id'));

-- A device. Its status is derived at every read from the identity columns below, which are
-- written only together with the identity slot (and kept in step with the certificate's
-- revocation by a trigger): window boundaries are stored as timestamps so that a status
-- filter is an indexed comparison with now(). `dms_owner` is not a foreign key: a DMS may be
-- deleted once all its devices are decommissioned, and their history keeps its name.
CREATE TABLE devices (
    id                  text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$'),
    dms_owner           text NOT NULL,
    device_group        text,
    tags                text[] NOT NULL DEFAULT '{}',
    metadata            jsonb NOT NULL DEFAULT '{}',
    enabled             boolean NOT NULL DEFAULT true,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    decommissioned_at   timestamptz,
    identity_serial     text,
    identity_revoked    boolean NOT NULL DEFAULT false,
    identity_not_after  timestamptz,
    preventive_at       timestamptz,
    critical_at         timestamptz,
    lifecycle           text GENERATED ALWAYS AS (
        CASE WHEN decommissioned_at IS NOT NULL THEN 'DECOMMISSIONED'
             WHEN identity_serial IS NULL THEN 'NO_IDENTITY'
             WHEN identity_revoked THEN 'REVOKED'
             ELSE 'LIVE' END
    ) STORED,
    CHECK ((identity_serial IS NULL) = (identity_not_after IS NULL)),
    CHECK ((identity_serial IS NULL) = (critical_at IS NULL) AND (identity_serial IS NULL) = (preventive_at IS NULL)),
    CHECK (preventive_at <= critical_at AND critical_at <= identity_not_after)
);
CREATE INDEX devices_dms_owner ON devices (dms_owner, id);
CREATE INDEX devices_group ON devices (device_group);
CREATE INDEX devices_tags ON devices USING gin (tags);
CREATE INDEX devices_metadata ON devices USING gin (metadata jsonb_path_ops);
CREATE INDEX devices_created_at ON devices (created_at);
CREATE INDEX devices_identity_not_after ON devices (identity_not_after);
CREATE INDEX devices_identity_serial ON devices (identity_serial);
CREATE INDEX devices_lifecycle ON devices (lifecycle, id);
-- One index per derived status of a live device: RENEWAL_PENDING and EXPIRING_SOON are the
-- devices whose window [start, end) contains now(), which a GiST index on the range answers.
CREATE INDEX devices_live_active ON devices (preventive_at) WHERE lifecycle = 'LIVE';
CREATE INDEX devices_live_renewal ON devices USING gist (tstzrange(preventive_at, critical_at)) WHERE lifecycle = 'LIVE';
CREATE INDEX devices_live_expiring ON devices USING gist (tstzrange(critical_at, identity_not_after)) WHERE lifecycle = 'LIVE';
CREATE INDEX devices_live_expired ON devices (identity_not_after) WHERE lifecycle = 'LIVE';

-- Ids of devices that were decommissioned and then deleted: never registered again.
CREATE TABLE retired_device_ids (
    id                 text PRIMARY KEY,
    dms_owner          text NOT NULL,
    decommissioned_at  timestamptz NOT NULL,
    deleted_at         timestamptz NOT NULL DEFAULT now()
);

-- Credential slots: `identity` and named extra slots, each with numbered versions. The
-- active version's certificate facts are copied onto the slot so its status is derived
-- the same way as the device's.
CREATE TABLE device_slots (
    device_id       text NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
    slot            text NOT NULL CHECK (slot ~ '^[a-z0-9][a-z0-9._-]{0,63}$'),
    type            text NOT NULL CHECK (type IN ('x509', 'SSH_KEY', 'TOKEN', 'OTHER')),
    active_version  integer NOT NULL,
    serial_number   text REFERENCES certificates (serial_number),
    secret_ref      text,
    revoked         boolean NOT NULL DEFAULT false,
    not_after       timestamptz,
    preventive_at   timestamptz,
    critical_at     timestamptz,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (device_id, slot),
    CHECK ((type = 'x509') = (serial_number IS NOT NULL))
);
CREATE INDEX device_slots_serial ON device_slots (serial_number);

CREATE TABLE device_slot_versions (
    device_id      text NOT NULL,
    slot           text NOT NULL,
    version        integer NOT NULL CHECK (version >= 1),
    serial_number  text REFERENCES certificates (serial_number),
    secret_ref     text,
    actor          text NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (device_id, slot, version),
    FOREIGN KEY (device_id, slot) REFERENCES device_slots (device_id, slot) ON DELETE CASCADE
);

-- What happened to a device, one row per event.
CREATE TABLE device_events (
    id          bigserial PRIMARY KEY,
    device_id   text NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
    kind        text NOT NULL CHECK (kind IN ('CREATED', 'PROVISIONED', 'RE-PROVISIONED', 'RENEWED', 'SHADOW-UPDATED',
                                             'STATUS-UPDATED', 'DISABLED', 'ENABLED', 'DECOMMISSIONED')),
    at          timestamptz NOT NULL DEFAULT now(),
    actor       text NOT NULL,
    detail      text NOT NULL DEFAULT ''
);
CREATE INDEX device_events_device ON device_events (device_id, id);

-- A revocation change of a certificate reaches the slots and devices holding it in the same
-- transaction, whichever path revoked it (the certificate API, a CA revocation, decommission),
-- and each device holding it gets a STATUS-UPDATED event.
CREATE FUNCTION signet_follow_certificate_status() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE device_slots SET revoked = (NEW.status = 'REVOKED') WHERE serial_number = NEW.serial_number;
    UPDATE devices SET identity_revoked = (NEW.status = 'REVOKED') WHERE identity_serial = NEW.serial_number;
    INSERT INTO device_events (device_id, kind, actor, detail)
        SELECT device_id, 'STATUS-UPDATED', 'signet',
               'slot ' || slot || ': certificate ' || NEW.serial_number || ' ' ||
               CASE WHEN NEW.status = 'REVOKED' THEN 'revoked (' || coalesce(NEW.revocation_reason, 'Unspecified') || ')' ELSE 'active again' END
        FROM device_slots WHERE serial_number = NEW.serial_number;
    RETURN NULL;
END $$;
CREATE TRIGGER certificates_follow_status AFTER UPDATE OF status ON certificates
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status)
    EXECUTE FUNCTION signet_follow_certificate_status();

-- Device groups: saved criteria in the query language, optionally under a parent whose
-- criteria their members also satisfy.
CREATE TABLE device_groups (
    id           text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$'),
    name         text NOT NULL,
    description  text NOT NULL DEFAULT '',
    parent_id    text REFERENCES device_groups (id),
    criteria     text[] NOT NULL DEFAULT '{}',
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX device_groups_parent ON device_groups (parent_id);
CREATE INDEX device_groups_name ON device_groups (name);
CREATE INDEX device_groups_created_at ON device_groups (created_at);

-- Background jobs (batch registration). The input is stored with the job so any server may
-- run it; progress (`next_row`) commits with each chunk of rows, so a job resumed after a
-- crash neither skips nor repeats a row.
CREATE TABLE jobs (
    id           uuid PRIMARY KEY,
    kind         text NOT NULL CHECK (kind IN ('DEVICE_IMPORT')),
    status       text NOT NULL CHECK (status IN ('PENDING', 'RUNNING', 'DONE', 'FAILED')),
    actor        text NOT NULL,
    input        bytea NOT NULL,
    total_rows   integer NOT NULL DEFAULT 0,
    next_row     integer NOT NULL DEFAULT 0,
    succeeded    integer NOT NULL DEFAULT 0,
    failed       integer NOT NULL DEFAULT 0,
    message      text,
    lease_until  timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now(),
    started_at   timestamptz,
    finished_at  timestamptz
);
CREATE INDEX jobs_unfinished ON jobs (created_at) WHERE status IN ('PENDING', 'RUNNING');

CREATE TABLE job_errors (
    job_id      uuid NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    row_number  integer NOT NULL,
    message     text NOT NULL,
    PRIMARY KEY (job_id, row_number)
);
