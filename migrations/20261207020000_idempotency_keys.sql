-- A client's key for a write it may send again (the API's Idempotency-Key
-- header): the same key from the same person finds the first write instead
-- of making a second. Kept in the write's own row, so the key and the write
-- commit together.
ALTER TABLE remediation_items
    ADD COLUMN idempotency_key text CHECK (length(idempotency_key) BETWEEN 1 AND 200);
CREATE UNIQUE INDEX remediation_items_idempotency_idx
    ON remediation_items (created_by, idempotency_key) WHERE idempotency_key IS NOT NULL;

ALTER TABLE remediation_comments
    ADD COLUMN idempotency_key text CHECK (length(idempotency_key) BETWEEN 1 AND 200);
CREATE UNIQUE INDEX remediation_comments_idempotency_idx
    ON remediation_comments (item_id, actor, idempotency_key) WHERE idempotency_key IS NOT NULL;
