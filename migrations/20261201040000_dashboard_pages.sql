-- What the findings, rules and overview pages read, made cheap at a
-- million findings.

-- Findings are listed most severe first and paged by keyset: the sort keys
-- are stored columns so one index serves the order and the cursor.
ALTER TABLE findings
    ADD COLUMN severity_rank smallint GENERATED ALWAYS AS (
        CASE severity
            WHEN 'CRITICAL' THEN 4 WHEN 'HIGH' THEN 3 WHEN 'MEDIUM' THEN 2 WHEN 'LOW' THEN 1 ELSE 0
        END) STORED,
    ADD COLUMN sort_time timestamptz GENERATED ALWAYS AS (
        COALESCE(updated_at, '-infinity'::timestamptz)) STORED;

CREATE INDEX findings_severity_order_idx
    ON findings (severity_rank DESC, sort_time DESC, id DESC) WHERE record_state = 'ACTIVE';
CREATE INDEX findings_updated_order_idx
    ON findings (sort_time DESC, id DESC) WHERE record_state = 'ACTIVE';
-- One account's findings in the default order: a range of this index.
CREATE INDEX findings_account_order_idx
    ON findings (account_id, severity_rank DESC, sort_time DESC, id DESC) WHERE record_state = 'ACTIVE';

-- The overview's "most severe failing controls", gathered after each sync
-- rather than from a million rows per page view.
CREATE TABLE control_failures (
    control_id        text PRIMARY KEY,
    severity          text NOT NULL
                      CHECK (severity IN ('INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL')),
    failing_findings  integer NOT NULL,
    failing_accounts  integer NOT NULL,
    computed_at       timestamptz NOT NULL DEFAULT now()
);

-- The organisation's trend reads the latest snapshots by time.
CREATE INDEX score_snapshots_taken_idx ON score_snapshots (taken_at DESC);
