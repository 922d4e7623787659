-- Checklists (issue 8): packs of practices that teams tick per workload,
-- some ticked by evidence. Built-in packs are written from
-- server/data/checklists at start; an item dropped from its pack is
-- retired, not deleted, so its history stays.
CREATE TABLE checklist_packs (
    id          text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9-]*$'),
    name        text NOT NULL,
    description text NOT NULL DEFAULT '',
    version     text NOT NULL,
    built_in    boolean NOT NULL,
    position    integer NOT NULL DEFAULT 0,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE checklist_items (
    pack_id   text NOT NULL REFERENCES checklist_packs (id) ON DELETE CASCADE,
    item_id   text NOT NULL CHECK (item_id ~ '^[a-z0-9][a-z0-9-]*$'),
    position  integer NOT NULL,
    text      text NOT NULL,
    pillar    text NOT NULL CHECK (pillar IN ('operationalExcellence', 'security', 'reliability', 'performance',
                                              'costOptimization', 'sustainability')),
    choices   text[] NOT NULL DEFAULT '{}',
    -- Config managed rule identifiers and Security Hub control ids that
    -- prove the practice; both empty: a manual item.
    rules     text[] NOT NULL DEFAULT '{}',
    controls  text[] NOT NULL DEFAULT '{}',
    retired   boolean NOT NULL DEFAULT false,
    PRIMARY KEY (pack_id, item_id)
);

-- An item's current state for a workload; no row means open.
CREATE TABLE checklist_ticks (
    workload_id  uuid NOT NULL REFERENCES workloads (id) ON DELETE CASCADE,
    pack_id      text NOT NULL,
    item_id      text NOT NULL,
    state        text NOT NULL CHECK (state IN ('open', 'done', 'not_applicable')),
    -- Set by the evidence after a sync, not by a person.
    by_evidence  boolean NOT NULL DEFAULT false,
    actor        text NOT NULL,
    at           timestamptz NOT NULL DEFAULT now(),
    note         text NOT NULL DEFAULT '',
    link         text,
    PRIMARY KEY (workload_id, pack_id, item_id),
    FOREIGN KEY (pack_id, item_id) REFERENCES checklist_items (pack_id, item_id) ON DELETE CASCADE
);

-- Every change of state, kept when an item is unticked.
CREATE TABLE checklist_history (
    id           bigserial PRIMARY KEY,
    workload_id  uuid NOT NULL REFERENCES workloads (id) ON DELETE CASCADE,
    pack_id      text NOT NULL,
    item_id      text NOT NULL,
    state        text NOT NULL,
    by_evidence  boolean NOT NULL,
    actor        text NOT NULL,
    at           timestamptz NOT NULL DEFAULT now(),
    note         text NOT NULL DEFAULT '',
    link         text,
    -- The sync whose evidence made the change.
    reason       text
);
CREATE INDEX checklist_history_item_idx ON checklist_history (workload_id, pack_id, item_id, id DESC);

-- Auto-tick from evidence, per workload (on unless turned off).
ALTER TABLE workloads ADD COLUMN checklist_auto_tick boolean NOT NULL DEFAULT true;
