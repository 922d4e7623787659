-- Remediation (issue 9): work to fix a risk, owned and dated, following
-- the evidence. One item per source per workload: a failing control or
-- rule, a question at risk, an open checklist item; or written by hand.
CREATE TABLE remediation_items (
    id                    uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    workload_id           uuid NOT NULL REFERENCES workloads (id) ON DELETE CASCADE,
    pillar                text NOT NULL CHECK (pillar IN ('operationalExcellence', 'security', 'reliability',
                                                          'performance', 'costOptimization', 'sustainability')),
    source_kind           text NOT NULL CHECK (source_kind IN ('control', 'rule', 'question', 'checklist', 'manual')),
    -- The control id, rule identifier, question id or pack/item; none by hand.
    source_key            text,
    source_url            text,
    title                 text NOT NULL CHECK (length(btrim(title)) > 0),
    description           text NOT NULL DEFAULT '',
    priority              text NOT NULL CHECK (priority IN ('critical', 'high', 'medium', 'low')),
    owner_id              uuid REFERENCES users (id) ON DELETE SET NULL,
    due_on                date NOT NULL,
    status                text NOT NULL DEFAULT 'open'
                          CHECK (status IN ('open', 'in_progress', 'blocked', 'resolved', 'risk_accepted', 'wont_fix')),
    -- Resolved (or reopened) by a sync's evidence rather than a person.
    by_evidence           boolean NOT NULL DEFAULT false,
    -- Resolved by a person while the evidence still fails.
    flagged               boolean NOT NULL DEFAULT false,
    acceptance_reason     text,
    accepted_until        date,
    ticket_url            text,
    created_by            text NOT NULL,
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now(),
    CHECK ((source_kind = 'manual') = (source_key IS NULL)),
    CHECK (status <> 'risk_accepted' OR (length(btrim(acceptance_reason)) > 0 AND accepted_until IS NOT NULL))
);
-- Creating an item from a source twice finds the first.
CREATE UNIQUE INDEX remediation_items_source_idx ON remediation_items (workload_id, source_kind, source_key)
    WHERE source_key IS NOT NULL;
CREATE INDEX remediation_items_due_idx ON remediation_items (due_on, id);
CREATE INDEX remediation_items_owner_idx ON remediation_items (owner_id);

-- Every change of an item, by whom (a person, "evidence" or "expiry").
CREATE TABLE remediation_history (
    id        bigserial PRIMARY KEY,
    item_id   uuid NOT NULL REFERENCES remediation_items (id) ON DELETE CASCADE,
    actor     text NOT NULL,
    at        timestamptz NOT NULL DEFAULT now(),
    -- What changed, as a person reads it.
    change    text NOT NULL,
    -- The sync run whose evidence made the change.
    reason    text
);
CREATE INDEX remediation_history_item_idx ON remediation_history (item_id, id DESC);

CREATE TABLE remediation_comments (
    id       bigserial PRIMARY KEY,
    item_id  uuid NOT NULL REFERENCES remediation_items (id) ON DELETE CASCADE,
    actor    text NOT NULL,
    at       timestamptz NOT NULL DEFAULT now(),
    body     text NOT NULL CHECK (length(btrim(body)) > 0)
);
CREATE INDEX remediation_comments_item_idx ON remediation_comments (item_id, id);
