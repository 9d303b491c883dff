-- honor_subject: false now ignores the CSR subject entirely; a device's name reaches the
-- certificate only through the profile's subject template ({csr.common_name}, {device_id}).
-- Profiles stored under the old rule took the common name from the CSR when their template
-- left it empty. Each one gets "common_name": "{csr.common_name}" as a new version (kept in
-- issuance_profile_versions beside the old one), so what it issues does not change.
WITH upgraded AS (
    SELECT id, jsonb_set(document, '{subject}', coalesce(document -> 'subject', '{}'::jsonb) || '{"common_name": "{csr.common_name}"}'::jsonb) AS document
    FROM issuance_profiles
    WHERE NOT coalesce((document ->> 'honor_subject')::boolean, false)
      AND coalesce(document -> 'subject' ->> 'common_name', '') = ''
), versioned AS (
    SELECT id, document, encode(sha256(convert_to(document::text, 'UTF8')), 'hex') AS version FROM upgraded
), saved AS (
    INSERT INTO issuance_profile_versions (id, version, document)
    SELECT id, version, document FROM versioned
    ON CONFLICT DO NOTHING
)
UPDATE issuance_profiles p SET document = v.document, version = v.version, updated_at = now()
FROM versioned v WHERE p.id = v.id;
