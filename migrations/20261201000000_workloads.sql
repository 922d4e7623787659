-- Workloads under review and their current score per pillar.
-- Pillar ids are the Well-Architected API's.

CREATE TABLE workloads (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name          text NOT NULL CHECK (length(trim(name)) > 0),
    description   text NOT NULL DEFAULT '',
    environment   text CHECK (environment IN ('PRODUCTION', 'PREPRODUCTION')),
    review_owner  text,
    -- The AWS accounts and regions whose evidence counts for this workload.
    account_ids   text[] NOT NULL DEFAULT '{}',
    regions       text[] NOT NULL DEFAULT '{}',
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX workloads_name_idx ON workloads (name);

CREATE TABLE pillar_scores (
    workload_id  uuid NOT NULL REFERENCES workloads (id) ON DELETE CASCADE,
    pillar       text NOT NULL CHECK (pillar IN (
                     'operationalExcellence', 'security', 'reliability',
                     'performance', 'costOptimization', 'sustainability')),
    -- NULL while no component of the score has data.
    score        smallint CHECK (score BETWEEN 0 AND 100),
    coverage     real NOT NULL DEFAULT 0 CHECK (coverage BETWEEN 0 AND 1),
    computed_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workload_id, pillar)
);
