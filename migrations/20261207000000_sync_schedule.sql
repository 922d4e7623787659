-- When the scheduler of `plinth serve` plans a source's next sync: its last
-- run's end plus its interval and a jitter of its own. Written by whichever
-- server plans it; the sync page shows it.
ALTER TABLE sources ADD COLUMN next_sync_at timestamptz;
