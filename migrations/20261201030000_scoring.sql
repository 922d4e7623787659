-- Scores that explain themselves: each pillar score keeps its three
-- components and their coverage, and every computation is kept as a
-- snapshot so trends come from stored history.

ALTER TABLE pillar_scores ALTER COLUMN score TYPE real;
ALTER TABLE pillar_scores DROP CONSTRAINT pillar_scores_score_check;
ALTER TABLE pillar_scores ADD CONSTRAINT pillar_scores_score_check CHECK (score BETWEEN 0 AND 100);
ALTER TABLE pillar_scores
    ADD COLUMN review             real CHECK (review BETWEEN 0 AND 100),
    ADD COLUMN evidence           real CHECK (evidence BETWEEN 0 AND 100),
    ADD COLUMN checklist          real CHECK (checklist BETWEEN 0 AND 100),
    ADD COLUMN review_coverage    real NOT NULL DEFAULT 0 CHECK (review_coverage BETWEEN 0 AND 1),
    ADD COLUMN evidence_coverage  real NOT NULL DEFAULT 0 CHECK (evidence_coverage BETWEEN 0 AND 1),
    ADD COLUMN checklist_coverage real NOT NULL DEFAULT 0 CHECK (checklist_coverage BETWEEN 0 AND 1),
    ADD COLUMN mapping_version    text;

CREATE TABLE score_snapshots (
    id                 bigserial PRIMARY KEY,
    taken_at           timestamptz NOT NULL DEFAULT now(),
    workload_id        uuid NOT NULL REFERENCES workloads (id) ON DELETE CASCADE,
    pillar             text NOT NULL CHECK (pillar IN (
                           'operationalExcellence', 'security', 'reliability',
                           'performance', 'costOptimization', 'sustainability')),
    score              real CHECK (score BETWEEN 0 AND 100),
    review             real,
    evidence           real,
    checklist          real,
    review_coverage    real NOT NULL,
    evidence_coverage  real NOT NULL,
    checklist_coverage real NOT NULL,
    mapping_version    text NOT NULL,
    -- What moved the score: a sync run, or another change.
    reason             text NOT NULL
);
CREATE INDEX score_snapshots_trend_idx ON score_snapshots (workload_id, pillar, taken_at DESC);

-- Evidence is aggregated per account, region and control from this index
-- alone (an index-only scan), not from the findings' rows.
CREATE INDEX findings_evidence_idx ON findings (account_id, region, control_id, compliance_status)
    WHERE record_state = 'ACTIVE' AND control_id IS NOT NULL;
CREATE INDEX config_rules_evidence_idx ON config_rules (account_id, region, source_identifier, compliance)
    WHERE source_identifier IS NOT NULL;
