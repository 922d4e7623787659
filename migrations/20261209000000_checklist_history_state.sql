-- The history of ticks keeps the same three states as the ticks: every
-- state column the server reads as a typed value has its CHECK.
ALTER TABLE checklist_history
    ADD CONSTRAINT checklist_history_state_check CHECK (state IN ('open', 'done', 'not_applicable'));
