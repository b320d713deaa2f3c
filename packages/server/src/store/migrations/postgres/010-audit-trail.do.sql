-- The audit trail (issue 12): one event per call to the Partner Center surface, per token issued or
-- refused, per write through the Graph and emulator surfaces. Calls repeat the same who/what/outcome
-- many times, so that part is stored once as a subject; events are packed by the batch a server
-- flushes (store/audit-batches.ts): one row per few thousand calls, so recording costs the hot path
-- next to nothing. `at` is the server clock's epoch ms; it can move back under the emulator, so
-- "newest" is by id.
CREATE TABLE audit_subjects (
  id                 BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  key                TEXT NOT NULL UNIQUE,
  surface            TEXT NOT NULL,
  operation          TEXT NOT NULL,
  status             INTEGER NOT NULL,
  outcome            TEXT NOT NULL,
  code               TEXT,
  partner_tenant_id  TEXT,
  principal_id       TEXT,
  principal_name     TEXT,
  principal_kind     TEXT,
  customer_tenant_id TEXT,
  reasons            TEXT
);
CREATE TABLE audit_batches (
  id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  min_at      BIGINT NOT NULL,
  max_at      BIGINT NOT NULL,
  count       INTEGER NOT NULL,
  events      BYTEA NOT NULL,
  subject_ids TEXT NOT NULL,
  odd_ids     TEXT
);
-- Bumped by every compaction (which removes subjects no event uses), read by every append: a process
-- that remembers subject ids forgets them when it changed.
CREATE TABLE audit_generation (
  id    INTEGER PRIMARY KEY CHECK (id = 1),
  value INTEGER NOT NULL
);
INSERT INTO audit_generation (id, value) VALUES (1, 0);
