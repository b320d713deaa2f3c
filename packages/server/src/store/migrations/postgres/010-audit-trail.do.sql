-- The audit trail (issue 12): one row per call to the Partner Center surface, per token issued or
-- refused, per write through the Graph and emulator surfaces. `at` is the server clock's epoch ms (it
-- can move back under the emulator, so order by id for "latest"). reasons: JSON array of text or NULL.
CREATE TABLE audit_events (
  id                 BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at                 BIGINT NOT NULL,
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
  reasons            TEXT,
  request_id         TEXT NOT NULL,
  correlation_id     TEXT
);
CREATE INDEX audit_events_at ON audit_events (at);
CREATE INDEX audit_events_customer ON audit_events (customer_tenant_id, id);
CREATE INDEX audit_events_request ON audit_events (request_id);
