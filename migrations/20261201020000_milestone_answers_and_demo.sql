-- A milestone keeps the answers as they stood then, so trends come from
-- stored history rather than from today's data:
-- [{"question_id", "pillar", "risk", "selected_choices"}].
ALTER TABLE wa_milestones ADD COLUMN answers jsonb NOT NULL DEFAULT '[]';

-- `plinth demo --reset` finds the demo source by its kind.
CREATE INDEX sources_kind_idx ON sources (kind);
