-- The AWS accounts Plinth has seen, with the names and organizational
-- units Organizations gives them (never their email), and each source's
-- accounts with their onboarding: whether the last sync could read them,
-- what failed where it could not, and when one last read them whole.

CREATE TABLE aws_accounts (
    account_id  text PRIMARY KEY CHECK (account_id ~ '^[0-9]{12}$'),
    name        text CHECK (length(name) BETWEEN 1 AND 200),
    -- The units above the account, from the root down: 'Root / Workloads / Prod'.
    ou_path     text,
    updated_at  timestamptz NOT NULL DEFAULT now()
);
-- Account filters accept a name, in any case.
CREATE INDEX aws_accounts_name_idx ON aws_accounts (lower(name));

CREATE TABLE source_accounts (
    source_id        uuid NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
    account_id       text NOT NULL REFERENCES aws_accounts (account_id),
    -- active: synced; suspended: in the organisation, not ACTIVE, not
    -- synced; gone: no longer listed. The last two keep their history.
    membership       text NOT NULL CHECK (membership IN ('active', 'suspended', 'gone')),
    first_seen       timestamptz NOT NULL DEFAULT now(),
    last_seen        timestamptz NOT NULL DEFAULT now(),
    -- The last run that tried the account.
    last_attempt     timestamptz,
    -- The last run in which every slice of the account succeeded.
    last_synced      timestamptz,
    slices_failed    integer NOT NULL DEFAULT 0 CHECK (slices_failed >= 0),
    -- The first failure of the last attempt, as AWS reported it.
    error_service    text,
    error_region     text,
    error_operation  text,
    error_code       text,
    error_message    text,
    PRIMARY KEY (source_id, account_id)
);
CREATE INDEX source_accounts_failing_idx ON source_accounts (source_id) WHERE slices_failed > 0;
