-- A slot version made by rolling back names the earlier version whose content it repeats;
-- history is never rewritten, so a rollback is always a new version.
ALTER TABLE device_slot_versions ADD COLUMN rollback_of integer CHECK (rollback_of >= 1 AND rollback_of < version);
