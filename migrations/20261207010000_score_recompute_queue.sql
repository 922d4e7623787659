-- Workloads whose scores must be recomputed: marked in the same transaction
-- as the change that moved them (a tick), cleared once a recompute stored
-- the new scores. A recompute that failed is retried by every server's
-- background job until it succeeds, so no change is left unscored.
CREATE TABLE score_recompute_due (
    workload_id  uuid PRIMARY KEY REFERENCES workloads (id) ON DELETE CASCADE,
    since        timestamptz NOT NULL DEFAULT now()
);
