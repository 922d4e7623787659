-- The organisation's score per pillar at each snapshot time, gathered when
-- the snapshots are stored, so the overview's trend reads a few rows
-- instead of averaging every workload's snapshots on each view (9 ms at
-- 200 workloads and 13 snapshots, and growing with every sync).
CREATE TABLE organisation_snapshots (
    taken_at   timestamptz NOT NULL,
    pillar     text NOT NULL CHECK (pillar IN (
                   'operationalExcellence', 'security', 'reliability',
                   'performance', 'costOptimization', 'sustainability')),
    -- The mean of the workloads' scores; NULL while none has a score.
    score      real CHECK (score BETWEEN 0 AND 100),
    workloads  integer NOT NULL,
    PRIMARY KEY (taken_at, pillar)
);

INSERT INTO organisation_snapshots (taken_at, pillar, score, workloads)
SELECT taken_at, pillar, avg(score)::real, count(*) FROM score_snapshots GROUP BY taken_at, pillar;
