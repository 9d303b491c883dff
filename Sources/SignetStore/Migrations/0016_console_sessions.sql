-- Web console sign-in. A ticket is a one-time link (`signet auth console-link`, or the end of
-- an OIDC sign-in) that opens a session once; a session is what the console's cookie names.
-- Only SHA-256 hashes of tickets and cookies are stored: a reader of the database cannot
-- sign in with what it reads. Several servers share both.
CREATE TABLE console_tickets (
    ticket_hash  bytea PRIMARY KEY,
    subject      text NOT NULL,
    roles        text[] NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL
);

CREATE TABLE console_sessions (
    session_hash  bytea PRIMARY KEY,
    subject       text NOT NULL,
    roles         text[] NOT NULL,
    -- The token every state-changing form carries.
    csrf_token    text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL
);
CREATE INDEX console_sessions_expiry ON console_sessions (expires_at);

-- An OpenID Connect sign-in between its start and the provider's redirect back: the state
-- parameter's hash, the nonce the ID token must carry and the PKCE code verifier. Any
-- server may receive the redirect; each state is spent once.
CREATE TABLE console_oidc_logins (
    state_hash     bytea PRIMARY KEY,
    nonce          text NOT NULL,
    code_verifier  text NOT NULL,
    expires_at     timestamptz NOT NULL
);

-- The console lists the newest import jobs first.
CREATE INDEX jobs_created_at ON jobs (created_at);
