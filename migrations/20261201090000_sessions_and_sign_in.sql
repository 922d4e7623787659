-- Signing in (issue 7): sessions, failed sign-ins for throttling, single
-- sign-on identities and the state of sign-ins in flight at an identity
-- provider.

-- A session's id lives only in the browser's cookie; the table keeps its
-- SHA-256, so a copy of the database cannot be used to sign in. A user's
-- role and status are read from `users` on every request, so disabling a
-- user or changing a role takes effect at once.
CREATE TABLE sessions (
    id_hash       bytea PRIMARY KEY CHECK (length(id_hash) = 32),
    user_id       uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_seen_at  timestamptz NOT NULL DEFAULT now(),
    -- The absolute end, whatever the activity.
    expires_at    timestamptz NOT NULL,
    address       text NOT NULL DEFAULT '',
    user_agent    text NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user_idx ON sessions (user_id);
CREATE INDEX sessions_expires_idx ON sessions (expires_at);

-- Failed password sign-ins, counted per account and per address within a
-- window; rows older than the window are deleted as new ones arrive.
CREATE TABLE sign_in_failures (
    id       bigserial PRIMARY KEY,
    at       timestamptz NOT NULL DEFAULT now(),
    email    text NOT NULL,
    address  text NOT NULL
);
CREATE INDEX sign_in_failures_email_idx ON sign_in_failures (email, at);
CREATE INDEX sign_in_failures_address_idx ON sign_in_failures (address, at);

-- A user created or linked by single sign-on: the identity provider's
-- issuer and subject identify them, whatever their email becomes.
ALTER TABLE users ADD COLUMN sso_issuer text, ADD COLUMN sso_subject text,
    ADD COLUMN last_sign_in_at timestamptz,
    ADD CONSTRAINT users_sso_pair CHECK ((sso_issuer IS NULL) = (sso_subject IS NULL));
CREATE UNIQUE INDEX users_sso_idx ON users (sso_issuer, sso_subject) WHERE sso_issuer IS NOT NULL;

-- An OpenID Connect sign-in between the redirect to the identity provider
-- and its callback: the state's SHA-256, the PKCE verifier and the nonce.
CREATE TABLE sso_pending (
    state_hash     bytea PRIMARY KEY CHECK (length(state_hash) = 32),
    pkce_verifier  text NOT NULL,
    nonce          text NOT NULL,
    next_path      text NOT NULL DEFAULT '/',
    created_at     timestamptz NOT NULL DEFAULT now()
);
