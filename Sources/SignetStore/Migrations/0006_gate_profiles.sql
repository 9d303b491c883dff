-- A CA issues only with the profiles it names (DESIGN invariant 10). Existing CAs keep
-- what they could do by default: their default issuance profile.
ALTER TABLE certificate_authorities ADD COLUMN allowed_profiles text[] NOT NULL DEFAULT '{}';
UPDATE certificate_authorities SET allowed_profiles = ARRAY[ca_issuance_profile_id] WHERE ca_issuance_profile_id IS NOT NULL;
-- Deleting a profile looks up the CAs that still allow it.
CREATE INDEX cas_allowed_profiles ON certificate_authorities USING gin (allowed_profiles);

-- Profiles are listed, filtered and sorted by their name and description too.
ALTER TABLE issuance_profiles ADD COLUMN name text GENERATED ALWAYS AS (document ->> 'name') STORED;
ALTER TABLE issuance_profiles ADD COLUMN description text GENERATED ALWAYS AS (document ->> 'description') STORED;
CREATE INDEX profiles_name ON issuance_profiles (name, id);
CREATE INDEX profiles_description ON issuance_profiles (description);
