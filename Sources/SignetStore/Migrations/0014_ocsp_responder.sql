-- Which key signed each stored OCSP response: '' for the CA's own key, otherwise the
-- delegated responder's key URI. A response counts only while this is the CA's current
-- responder, so one that a pre-signer finished after the responder changed is never served.
ALTER TABLE ocsp_responses ADD COLUMN responder text NOT NULL DEFAULT '';
