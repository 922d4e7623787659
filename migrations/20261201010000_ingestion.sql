-- What `plinth sync` pulls from AWS: sources, sync runs, Security Hub
-- findings, AWS Config compliance and Well-Architected Tool reviews.
-- States are stored as the AWS API spells them; CHECKs keep them honest.

CREATE TABLE sources (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name                text NOT NULL UNIQUE CHECK (length(trim(name)) > 0),
    kind                text NOT NULL CHECK (kind IN ('aws', 'demo')),
    -- The source's settings as configured (no secrets), for the UI.
    settings            jsonb NOT NULL DEFAULT '{}',
    sync_interval_secs  integer NOT NULL DEFAULT 3600 CHECK (sync_interval_secs > 0),
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE sync_runs (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    source_id    uuid NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
    started_at   timestamptz NOT NULL DEFAULT now(),
    finished_at  timestamptz,
    status       text NOT NULL DEFAULT 'running'
                 CHECK (status IN ('running', 'succeeded', 'partial', 'failed')),
    full_sync    boolean NOT NULL DEFAULT false
);
CREATE INDEX sync_runs_source_started_idx ON sync_runs (source_id, started_at DESC);

-- One row per service × account × region of a run.
CREATE TABLE sync_slices (
    run_id         uuid NOT NULL REFERENCES sync_runs (id) ON DELETE CASCADE,
    service        text NOT NULL CHECK (service IN ('security_hub', 'config', 'well_architected')),
    account_id     text NOT NULL,
    region         text NOT NULL,
    status         text NOT NULL CHECK (status IN ('running', 'succeeded', 'failed')),
    started_at     timestamptz NOT NULL DEFAULT now(),
    finished_at    timestamptz,
    pages          integer NOT NULL DEFAULT 0,
    fetched        integer NOT NULL DEFAULT 0,
    stored         integer NOT NULL DEFAULT 0,
    error_code     text,
    error_message  text,
    request_id     text,
    PRIMARY KEY (run_id, service, account_id, region)
);
CREATE INDEX sync_slices_success_idx
    ON sync_slices (service, account_id, region, started_at DESC) WHERE status = 'succeeded';

CREATE TABLE findings (
    id                    text PRIMARY KEY,
    source_id             uuid NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
    product_arn           text NOT NULL,
    product_name          text,
    generator_id          text,
    account_id            text NOT NULL,
    region                text NOT NULL,
    title                 text,
    description           text,
    control_id            text,
    associated_standards  text[] NOT NULL DEFAULT '{}',
    compliance_status     text CHECK (compliance_status IN ('PASSED', 'WARNING', 'FAILED', 'NOT_AVAILABLE')),
    severity              text NOT NULL
                          CHECK (severity IN ('INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL')),
    workflow_status       text NOT NULL CHECK (workflow_status IN ('NEW', 'NOTIFIED', 'RESOLVED', 'SUPPRESSED')),
    record_state          text NOT NULL CHECK (record_state IN ('ACTIVE', 'ARCHIVED')),
    resource_type         text,
    resource_id           text,
    resource_region       text,
    resource_tags         jsonb NOT NULL DEFAULT '{}',
    first_observed_at     timestamptz,
    last_observed_at      timestamptz,
    created_at            timestamptz,
    updated_at            timestamptz,
    remediation_text      text,
    remediation_url       text,
    raw                   jsonb NOT NULL,
    synced_at             timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX findings_scope_idx ON findings (account_id, region) WHERE record_state = 'ACTIVE';
CREATE INDEX findings_control_idx ON findings (control_id, account_id, region) WHERE record_state = 'ACTIVE';
CREATE INDEX findings_updated_idx ON findings (updated_at);

CREATE TABLE config_rules (
    account_id           text NOT NULL,
    region               text NOT NULL,
    rule_name            text NOT NULL,
    source_id            uuid NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
    rule_arn             text,
    rule_id              text,
    -- AWS for managed rules (source_identifier is then the managed rule
    -- identifier), CUSTOM_LAMBDA or CUSTOM_POLICY.
    owner                text,
    source_identifier    text,
    description          text,
    compliance           text CHECK (compliance IN ('COMPLIANT', 'NON_COMPLIANT', 'NOT_APPLICABLE', 'INSUFFICIENT_DATA')),
    non_compliant_count  integer,
    synced_at            timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (account_id, region, rule_name)
);
CREATE INDEX config_rules_identifier_idx ON config_rules (source_identifier);

CREATE TABLE config_evaluations (
    account_id       text NOT NULL,
    region           text NOT NULL,
    rule_name        text NOT NULL,
    resource_type    text NOT NULL,
    resource_id      text NOT NULL,
    compliance       text NOT NULL CHECK (compliance IN ('COMPLIANT', 'NON_COMPLIANT', 'NOT_APPLICABLE', 'INSUFFICIENT_DATA')),
    annotation       text,
    recorded_at      timestamptz,
    PRIMARY KEY (account_id, region, rule_name, resource_type, resource_id),
    FOREIGN KEY (account_id, region, rule_name)
        REFERENCES config_rules (account_id, region, rule_name) ON DELETE CASCADE
);

CREATE TABLE conformance_packs (
    account_id        text NOT NULL,
    region            text NOT NULL,
    pack_name         text NOT NULL,
    source_id         uuid NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
    pack_arn          text,
    pack_id           text,
    score             real CHECK (score BETWEEN 0 AND 100),
    score_updated_at  timestamptz,
    synced_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (account_id, region, pack_name)
);

-- Well-Architected Tool reviews. A WA workload also appears in `workloads`,
-- linked by wa_workload_id, which is what the pages list.
ALTER TABLE workloads ADD COLUMN wa_workload_id text UNIQUE;
ALTER TABLE workloads ADD COLUMN source_id uuid REFERENCES sources (id) ON DELETE SET NULL;

CREATE TABLE wa_workloads (
    wa_workload_id      text PRIMARY KEY,
    source_id           uuid NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
    -- Where the workload lives in the Well-Architected Tool.
    owner_account_id    text NOT NULL,
    home_region         text NOT NULL,
    arn                 text,
    name                text NOT NULL,
    description         text,
    environment         text,
    review_owner        text,
    account_ids         text[] NOT NULL DEFAULT '{}',
    aws_regions         text[] NOT NULL DEFAULT '{}',
    pillar_priorities   text[] NOT NULL DEFAULT '{}',
    lenses              text[] NOT NULL DEFAULT '{}',
    risk_counts         jsonb NOT NULL DEFAULT '{}',
    improvement_status  text,
    updated_at          timestamptz,
    synced_at           timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE wa_lens_reviews (
    wa_workload_id      text NOT NULL REFERENCES wa_workloads (wa_workload_id) ON DELETE CASCADE,
    lens_alias          text NOT NULL,
    lens_version        text,
    lens_name           text,
    lens_status         text,
    notes               text,
    risk_counts         jsonb NOT NULL DEFAULT '{}',
    -- pillar id -> {"HIGH": n, "MEDIUM": n, ...}
    pillar_risk_counts  jsonb NOT NULL DEFAULT '{}',
    updated_at          timestamptz,
    PRIMARY KEY (wa_workload_id, lens_alias)
);

-- The question and choice catalogue of each lens version: checklists and
-- the mapping refer to these ids.
CREATE TABLE wa_questions (
    lens_alias    text NOT NULL,
    lens_version  text NOT NULL,
    question_id   text NOT NULL,
    pillar        text NOT NULL,
    title         text NOT NULL,
    PRIMARY KEY (lens_alias, lens_version, question_id)
);

CREATE TABLE wa_choices (
    lens_alias    text NOT NULL,
    lens_version  text NOT NULL,
    question_id   text NOT NULL,
    choice_id     text NOT NULL,
    title         text NOT NULL,
    description   text,
    PRIMARY KEY (lens_alias, lens_version, question_id, choice_id),
    FOREIGN KEY (lens_alias, lens_version, question_id)
        REFERENCES wa_questions (lens_alias, lens_version, question_id) ON DELETE CASCADE
);

CREATE TABLE wa_answers (
    wa_workload_id    text NOT NULL,
    lens_alias        text NOT NULL,
    question_id       text NOT NULL,
    pillar            text NOT NULL,
    question_title    text,
    risk              text CHECK (risk IN ('HIGH', 'MEDIUM', 'NONE', 'UNANSWERED', 'NOT_APPLICABLE')),
    selected_choices  text[] NOT NULL DEFAULT '{}',
    -- [{"choice_id", "status", "reason", "notes"}]
    choice_answers    jsonb NOT NULL DEFAULT '[]',
    is_applicable     boolean NOT NULL DEFAULT true,
    reason            text,
    notes             text,
    PRIMARY KEY (wa_workload_id, lens_alias, question_id),
    FOREIGN KEY (wa_workload_id, lens_alias)
        REFERENCES wa_lens_reviews (wa_workload_id, lens_alias) ON DELETE CASCADE
);

-- The improvement plan of each question at risk.
CREATE TABLE wa_improvements (
    wa_workload_id        text NOT NULL,
    lens_alias            text NOT NULL,
    question_id           text NOT NULL,
    pillar                text NOT NULL,
    question_title        text,
    risk                  text CHECK (risk IN ('HIGH', 'MEDIUM', 'NONE', 'UNANSWERED', 'NOT_APPLICABLE')),
    improvement_plan_url  text,
    -- [{"choice_id", "display_text", "url"}]
    plans                 jsonb NOT NULL DEFAULT '[]',
    PRIMARY KEY (wa_workload_id, lens_alias, question_id),
    FOREIGN KEY (wa_workload_id, lens_alias)
        REFERENCES wa_lens_reviews (wa_workload_id, lens_alias) ON DELETE CASCADE
);

CREATE TABLE wa_milestones (
    wa_workload_id    text NOT NULL REFERENCES wa_workloads (wa_workload_id) ON DELETE CASCADE,
    milestone_number  integer NOT NULL,
    milestone_name    text NOT NULL,
    recorded_at       timestamptz,
    PRIMARY KEY (wa_workload_id, milestone_number)
);
