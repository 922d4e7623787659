-- Personal API tokens, sent as `Authorization: Bearer`. The secret is shown
-- once; the table keeps its SHA-256. A token's role is at most its user's:
-- the lower of the two applies at every request, so a demoted user's tokens
-- are demoted too.
CREATE TABLE api_tokens (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id       uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name          text NOT NULL CHECK (length(trim(name)) BETWEEN 1 AND 100),
    secret_hash   bytea NOT NULL UNIQUE CHECK (length(secret_hash) = 32),
    -- The token's first characters, to tell tokens apart in the list.
    prefix        text NOT NULL,
    role          text NOT NULL CHECK (role IN ('viewer', 'editor', 'admin')),
    created_at    timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz,
    last_used_at  timestamptz,
    revoked_at    timestamptz
);
CREATE INDEX api_tokens_user_idx ON api_tokens (user_id);
