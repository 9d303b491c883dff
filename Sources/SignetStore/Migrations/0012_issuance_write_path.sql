-- What every issuance writes, made cheaper without changing what is kept or refused.
--
-- The audit guard ran a PL/pgSQL function for every row inserted and every row sealed. Its
-- conditions now sit in each trigger's WHEN clause, which PostgreSQL evaluates without
-- calling the function; the function runs only to refuse, with the same messages.
DROP TRIGGER audit_log_append_only ON audit_log;
CREATE TRIGGER audit_log_inserted_unsealed BEFORE INSERT ON audit_log FOR EACH ROW
    WHEN (NEW.chain_seq IS NOT NULL OR NEW.chain_mac IS NOT NULL OR NEW.chain_hash IS NOT NULL)
    EXECUTE FUNCTION signet_audit_log_guard();
CREATE TRIGGER audit_log_sealed_once BEFORE UPDATE ON audit_log FOR EACH ROW
    WHEN ((NEW.id, NEW.recorded_at, NEW.category, NEW.action, NEW.actor, NEW.target, NEW.outcome, NEW.profile_id,
           NEW.profile_version, NEW.request_fingerprint, NEW.failed_rule, NEW.serial_number, NEW.detail, NEW.record_mac)
          IS DISTINCT FROM
          (OLD.id, OLD.recorded_at, OLD.category, OLD.action, OLD.actor, OLD.target, OLD.outcome, OLD.profile_id,
           OLD.profile_version, OLD.request_fingerprint, OLD.failed_rule, OLD.serial_number, OLD.detail, OLD.record_mac)
          OR (OLD.chain_seq IS NOT NULL AND (NEW.chain_seq, NEW.chain_mac) IS DISTINCT FROM (OLD.chain_seq, OLD.chain_mac))
          OR (OLD.chain_hash IS NOT NULL AND NEW.chain_hash IS DISTINCT FROM OLD.chain_hash)
          OR NEW.chain_seq <= 0)
    EXECUTE FUNCTION signet_audit_log_guard();
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log FOR EACH ROW
    EXECUTE FUNCTION signet_audit_log_guard();

-- An index each issuance paid for that no query uses: the status filter reads a derived
-- status (EXPIRED is computed from not_after), which an index on the column cannot serve,
-- and the status lookups that remain name the issuer (certificates_revoked,
-- certificates_issuer_serial).
DROP INDEX certificates_status;

-- A certificate bound to a device slot is looked up by serial in the slot history on every
-- binding (it may belong to one slot only). Without an index that was a scan of the whole
-- history: one enrollment cost time in proportion to the fleet.
CREATE INDEX device_slot_versions_serial ON device_slot_versions (serial_number);
