-- GDAP managed through the Graph-compatible surface (issue 10). Rows only: which transitions are
-- allowed, and what status a relationship has at a given instant, live in domain/gdap-lifecycle.ts.
-- status is the base status a write set, status_since when it was set (NULL: imported from a seed,
-- read as of the relationship's own dates); the domain derives later statuses from the clock.
-- version increases with every write (Graph's @odata.etag and If-Match).
ALTER TABLE gdap_relationships ADD COLUMN status_since TEXT;
ALTER TABLE gdap_relationships ADD COLUMN last_modified_date_time TEXT;
ALTER TABLE gdap_relationships ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE access_assignments ADD COLUMN status_since TEXT;
ALTER TABLE access_assignments ADD COLUMN created_date_time TEXT;
ALTER TABLE access_assignments ADD COLUMN last_modified_date_time TEXT;
ALTER TABLE access_assignments ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE groups ADD COLUMN description TEXT;
ALTER TABLE groups ADD COLUMN mail_nickname TEXT;
ALTER TABLE groups ADD COLUMN created_date_time TEXT;

-- The requests made on a relationship (lockForApproval, approve, terminate, reject).
CREATE TABLE relationship_requests (
  id                      TEXT PRIMARY KEY,
  relationship_id         TEXT NOT NULL REFERENCES gdap_relationships (id) ON DELETE CASCADE,
  action                  TEXT NOT NULL,
  status                  TEXT NOT NULL,
  created_date_time       TEXT NOT NULL,
  last_modified_date_time TEXT NOT NULL
);
CREATE INDEX relationship_requests_relationship ON relationship_requests (relationship_id);

-- Emulator state every process shares, e.g. the clock's offset: name → JSON.
CREATE TABLE emulator_settings (
  name  TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;
