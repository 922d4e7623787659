-- What each Config and Well-Architected slice last stored, as a hash of the
-- records: an incremental sync that reads the same records again stores
-- nothing, so a resync costs what changed, not what the organisation holds.
CREATE TABLE slice_fingerprints (
    source_id    uuid NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
    service      text NOT NULL CHECK (service IN ('config', 'well_architected')),
    account_id   text NOT NULL,
    region       text NOT NULL,
    fingerprint  bigint NOT NULL,
    stored_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (source_id, service, account_id, region)
);
