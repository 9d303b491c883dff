-- A certificate is stored only while its issuing CA is active, checked when it is committed.
--
-- The gate checks the CA before it signs, from a cache that another process's revocation
-- reaches only after a second; and a revocation in this process may commit between that
-- check and the certificate's insert, after its cascade has revoked what the CA issued. In
-- both cases the certificate was stored ACTIVE under a CA that no longer is. Now the insert
-- share-locks the CA row and reads its status: a revocation that committed first makes the
-- insert fail here (and the signed certificate is discarded, never returned); one that comes
-- later waits for the insert to commit, and its cascade then revokes the new certificate too.
CREATE FUNCTION signet_issuer_not_active(ca_id text, ca_status text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'CA % is %: a certificate it signed is not stored', ca_id, ca_status
        USING ERRCODE = 'SN001', DETAIL = ca_status;
END
$$;
