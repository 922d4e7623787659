-- Indexes the page benchmarks asked for (bash scripts/bench-pages.sh, one
-- million findings). EXPLAIN ANALYZE before: counting CRITICAL and FAILED
-- findings was a parallel sequential scan of the table, 422 ms; the
-- organisation's trend read every snapshot row from the heap, 15 ms.

-- Compliance with severity, the other common pair of filters, in the
-- default order; counting them is an index-only scan.
CREATE INDEX findings_compliance_order_idx
    ON findings (compliance_status, severity_rank DESC, sort_time DESC, id DESC) WHERE record_state = 'ACTIVE';

-- The trend's means come from the index alone.
DROP INDEX score_snapshots_taken_idx;
CREATE INDEX score_snapshots_time_idx ON score_snapshots (taken_at DESC, pillar) INCLUDE (score);
