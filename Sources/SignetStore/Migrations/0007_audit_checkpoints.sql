-- The public hash chain beside the MAC chain: chain_hash is AuditChainHash.link at the
-- record's chain_seq, recomputable by anyone. Signed checkpoints commit to it.
ALTER TABLE audit_log ADD COLUMN chain_hash text;

-- The audit key: a key pair in the token and the certificate a root issued for it.
-- Checkpoints name their signer by the SHA-256 of this certificate.
CREATE TABLE audit_signers (
    fingerprint     text PRIMARY KEY,
    key_uri         text NOT NULL,
    ca_id           text NOT NULL,
    certificate     bytea NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now()
);

-- Signed checkpoints of the chain head: `sequence` sealed records with head `head` at `made_at`.
CREATE TABLE audit_checkpoints (
    sequence        bigint PRIMARY KEY CHECK (sequence > 0),
    head            text NOT NULL,
    made_at         timestamptz NOT NULL,
    signer          text NOT NULL REFERENCES audit_signers (fingerprint),
    signature       bytea NOT NULL
);

-- The audit trail is append-only for everyone but the table's owner: a row is inserted
-- unsealed, the sealer sets its chain columns once, and nothing else ever changes or goes.
-- Tampering needs the owner or a superuser to disable these triggers (ALTER TABLE ...
-- DISABLE TRIGGER), and what was cut or changed before a checkpoint shows in
-- `signet audit verify` even then.
CREATE FUNCTION signet_audit_log_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' OR TG_OP = 'TRUNCATE' THEN
        RAISE EXCEPTION 'audit_log is append-only: % is refused', TG_OP USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF TG_OP = 'INSERT' THEN
        IF NEW.chain_seq IS NOT NULL OR NEW.chain_mac IS NOT NULL OR NEW.chain_hash IS NOT NULL THEN
            RAISE EXCEPTION 'audit_log rows are inserted unsealed; the sealer sets chain_seq, chain_mac and chain_hash'
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NEW;
    END IF;
    IF (NEW.id, NEW.recorded_at, NEW.category, NEW.action, NEW.actor, NEW.target, NEW.outcome, NEW.profile_id,
        NEW.profile_version, NEW.request_fingerprint, NEW.failed_rule, NEW.serial_number, NEW.detail, NEW.record_mac)
       IS DISTINCT FROM
       (OLD.id, OLD.recorded_at, OLD.category, OLD.action, OLD.actor, OLD.target, OLD.outcome, OLD.profile_id,
        OLD.profile_version, OLD.request_fingerprint, OLD.failed_rule, OLD.serial_number, OLD.detail, OLD.record_mac) THEN
        RAISE EXCEPTION 'audit record % is append-only: only the sealer''s columns may be set', OLD.id
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF (OLD.chain_seq IS NOT NULL AND (NEW.chain_seq, NEW.chain_mac) IS DISTINCT FROM (OLD.chain_seq, OLD.chain_mac))
       OR (OLD.chain_hash IS NOT NULL AND NEW.chain_hash IS DISTINCT FROM OLD.chain_hash)
       OR NEW.chain_seq <= 0 THEN
        RAISE EXCEPTION 'audit record % is already sealed at chain_seq %', OLD.id, OLD.chain_seq
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER audit_log_append_only BEFORE INSERT OR UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION signet_audit_log_guard();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION signet_audit_log_guard();

-- Checkpoints and signers are never changed or removed.
CREATE FUNCTION signet_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % is refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER audit_checkpoints_append_only BEFORE UPDATE OR DELETE ON audit_checkpoints
    FOR EACH ROW EXECUTE FUNCTION signet_append_only();
CREATE TRIGGER audit_checkpoints_no_truncate BEFORE TRUNCATE ON audit_checkpoints
    FOR EACH STATEMENT EXECUTE FUNCTION signet_append_only();
CREATE TRIGGER audit_signers_append_only BEFORE UPDATE OR DELETE ON audit_signers
    FOR EACH ROW EXECUTE FUNCTION signet_append_only();
CREATE TRIGGER audit_signers_no_truncate BEFORE TRUNCATE ON audit_signers
    FOR EACH STATEMENT EXECUTE FUNCTION signet_append_only();
