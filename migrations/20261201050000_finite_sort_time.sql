-- A finding without UpdatedAt sorted as '-infinity', which chrono cannot
-- hold: reading such a row failed. The sort time now falls back to when the
-- finding was created, then to the Unix epoch, both ordinary timestamps.
ALTER TABLE findings DROP COLUMN sort_time;
ALTER TABLE findings
    ADD COLUMN sort_time timestamptz GENERATED ALWAYS AS (
        COALESCE(updated_at, created_at, '1970-01-01 00:00:00+00'::timestamptz)) STORED;

CREATE INDEX findings_severity_order_idx
    ON findings (severity_rank DESC, sort_time DESC, id DESC) WHERE record_state = 'ACTIVE';
CREATE INDEX findings_updated_order_idx
    ON findings (sort_time DESC, id DESC) WHERE record_state = 'ACTIVE';
CREATE INDEX findings_account_order_idx
    ON findings (account_id, severity_rank DESC, sort_time DESC, id DESC) WHERE record_state = 'ACTIVE';
