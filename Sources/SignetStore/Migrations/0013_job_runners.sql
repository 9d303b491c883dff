-- Which process runs each job, and which one committed each chunk of it. An auditor with
-- only the database can see that every row range of an import was committed once, and
-- which runner took over when the one before it died.
ALTER TABLE jobs ADD COLUMN runner text;
CREATE TABLE job_chunks (
    job_id        uuid NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    from_row      integer NOT NULL,
    to_row        integer NOT NULL CHECK (to_row > from_row),
    runner        text NOT NULL,
    committed_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (job_id, from_row)
);
