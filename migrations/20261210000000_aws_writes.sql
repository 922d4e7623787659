-- One outbox for every write Plinth makes to AWS (issue 23): a question's
-- answer (UpdateAnswer), a milestone (CreateMilestone) and a remediation
-- item's Security Hub workflow (BatchUpdateFindings). A write is queued in
-- the transaction of the change that asks for it, and delivered with no
-- transaction open across the AWS call: a server claims it for a while
-- (`claimed_until`), calls AWS, and settles it. A server killed
-- mid-delivery lets its claim lapse and another server delivers it again;
-- each kind is safe to send twice. A failed attempt is tried again after
-- 30 s, 1, 2, 4 ... minutes (at most an hour apart) until it is given up.
CREATE TABLE aws_writes (
    id              bigserial PRIMARY KEY,
    kind            text NOT NULL CHECK (kind IN ('answer', 'milestone', 'finding_workflow')),
    workload_id     uuid NOT NULL REFERENCES workloads (id) ON DELETE CASCADE,
    -- The remediation item of a workflow update.
    item_id         uuid REFERENCES remediation_items (id) ON DELETE CASCADE,
    -- What the write is about, within its workload: the question, the
    -- milestone's name, the item. Writes of one subject go out in order.
    subject         text NOT NULL,
    -- What to send that the change's own rows do not keep (a workflow and
    -- its note, a milestone's request token), and what a delivery learnt
    -- (the findings a workflow update reached).
    payload         jsonb NOT NULL DEFAULT '{}',
    actor           text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    state           text NOT NULL DEFAULT 'queued'
                    CHECK (state IN ('queued', 'retrying', 'done', 'given_up', 'replaced')),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    claimed_until   timestamptz,
    last_error      text,
    -- What became of it, in a sentence ("written", "12 findings updated",
    -- "milestone 3", "changed in AWS since the last sync").
    outcome         text,
    done_at         timestamptz
);
CREATE INDEX aws_writes_due_idx ON aws_writes (next_attempt_at, id) WHERE state IN ('queued', 'retrying');
CREATE INDEX aws_writes_subject_idx ON aws_writes (workload_id, kind, subject, id DESC);
CREATE INDEX aws_writes_item_idx ON aws_writes (item_id, id DESC) WHERE item_id IS NOT NULL;

-- The Security Hub queue moves in, as it was.
INSERT INTO aws_writes (kind, workload_id, item_id, subject, payload, actor, created_at, state, attempts,
                        last_error, outcome, done_at)
SELECT 'finding_workflow', r.workload_id, u.item_id, u.item_id::text,
       jsonb_build_object('workflow', u.workflow, 'note', u.note, 'updated', u.updated), u.actor, u.created_at,
       CASE
           WHEN u.done_at IS NULL AND u.attempts > 0 THEN 'retrying'
           WHEN u.done_at IS NULL THEN 'queued'
           WHEN u.last_error = 'replaced by a later change' THEN 'replaced'
           WHEN u.last_error IS NULL THEN 'done'
           ELSE 'given_up'
       END,
       u.attempts, u.last_error,
       CASE WHEN u.done_at IS NOT NULL AND u.last_error IS NULL THEN u.updated || ' findings updated' END,
       u.done_at
FROM finding_updates u
JOIN remediation_items r ON r.id = u.item_id
ORDER BY u.id;

DROP TABLE finding_updates;
