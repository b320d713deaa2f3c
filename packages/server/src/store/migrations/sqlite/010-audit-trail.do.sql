-- The audit trail (issue 12) lives in a file of its own beside the database, `<file>-audit`
-- (store/sqlite/sqlite-audit.ts), or for an in-memory database in the tables below.
CREATE TABLE audit_subjects (
  id                 INTEGER PRIMARY KEY,
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
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  min_at      INTEGER NOT NULL,
  max_at      INTEGER NOT NULL,
  count       INTEGER NOT NULL,
  events      BLOB NOT NULL,
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
