-- Revocation columns are NULL when a certificate is issued, and every filter on them
-- (eq, in, before, after) only matches rows where they are set. Indexing just those rows
-- keeps two index insertions off every issuance; the filters still use the indexes.
DROP INDEX certificates_revocation_reason;
DROP INDEX certificates_revoked_at;
CREATE INDEX certificates_revocation_reason ON certificates (revocation_reason) WHERE revocation_reason IS NOT NULL;
CREATE INDEX certificates_revoked_at ON certificates (revoked_at) WHERE revoked_at IS NOT NULL;
