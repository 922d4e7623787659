-- Security Hub workflow updates a remediation item owes its findings
-- (issue 9; opt-in per source): kept until Security Hub took them, with
-- the attempts and the last error shown on the item.
CREATE TABLE finding_updates (
    id          bigserial PRIMARY KEY,
    item_id     uuid NOT NULL REFERENCES remediation_items (id) ON DELETE CASCADE,
    workflow    text NOT NULL CHECK (workflow IN ('NEW', 'NOTIFIED', 'RESOLVED', 'SUPPRESSED')),
    note        text NOT NULL,
    actor       text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    attempts    integer NOT NULL DEFAULT 0,
    -- Findings updated so far, and the last error (a failed call or the
    -- findings Security Hub did not process).
    updated     integer NOT NULL DEFAULT 0,
    last_error  text,
    done_at     timestamptz
);
CREATE INDEX finding_updates_pending_idx ON finding_updates (id) WHERE done_at IS NULL;
CREATE INDEX finding_updates_item_idx ON finding_updates (item_id, id DESC);
