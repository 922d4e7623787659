-- Well-Architected answers as a checklist (issue 8): a person's answer to
-- a question, given in Plinth, kept until AWS has it. With write-back on
-- it is sent with UpdateAnswer at once; otherwise (or when AWS refused,
-- or changed the answer since our last sync) it stays here and the page
-- says so.
CREATE TABLE wa_answer_edits (
    workload_id     uuid NOT NULL REFERENCES workloads (id) ON DELETE CASCADE,
    lens_alias      text NOT NULL,
    question_id     text NOT NULL,
    selected        text[] NOT NULL DEFAULT '{}',
    -- choice id -> the reason it does not apply
    not_applicable  jsonb NOT NULL DEFAULT '{}',
    -- The selected and not-applicable choices in AWS when the edit began: a
    -- write-back finding anything else in AWS is a conflict.
    based_on        text[] NOT NULL DEFAULT '{}',
    based_on_na     text[] NOT NULL DEFAULT '{}',
    status          text NOT NULL CHECK (status IN ('local', 'conflict', 'failed')),
    -- On conflict: the answer AWS has now (selected, not applicable with
    -- reasons, risk).
    remote          text[],
    remote_na       jsonb,
    remote_risk     text,
    message         text,
    actor           text NOT NULL,
    at              timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workload_id, lens_alias, question_id)
);

-- Every change of a choice, by whom, and what became of it in AWS.
CREATE TABLE wa_choice_history (
    id           bigserial PRIMARY KEY,
    workload_id  uuid NOT NULL REFERENCES workloads (id) ON DELETE CASCADE,
    lens_alias   text NOT NULL,
    question_id  text NOT NULL,
    choice_id    text NOT NULL,
    state        text NOT NULL CHECK (state IN ('selected', 'not_applicable', 'open')),
    reason       text NOT NULL DEFAULT '',
    actor        text NOT NULL,
    at           timestamptz NOT NULL DEFAULT now(),
    outcome      text NOT NULL DEFAULT ''
);
CREATE INDEX wa_choice_history_question_idx ON wa_choice_history (workload_id, lens_alias, question_id, id DESC);

-- Write answers back to the Well-Architected Tool (off unless turned on).
ALTER TABLE workloads ADD COLUMN wa_write_back boolean NOT NULL DEFAULT false;
