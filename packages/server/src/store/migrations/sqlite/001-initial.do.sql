-- pcapi schema v1. Rows only: rules live in the domain, not here.
CREATE TABLE partner_tenants (
  tenant_id    TEXT PRIMARY KEY,
  display_name TEXT NOT NULL,
  domain       TEXT UNIQUE
);

CREATE TABLE principals (
  object_id           TEXT PRIMARY KEY,
  tenant_id           TEXT NOT NULL REFERENCES partner_tenants (tenant_id),
  kind                TEXT NOT NULL CHECK (kind IN ('user', 'app')),
  display_name        TEXT NOT NULL,
  user_principal_name TEXT,
  client_id           TEXT,
  mfa_registered      INTEGER NOT NULL DEFAULT 0,
  credential_hash     TEXT
);
CREATE UNIQUE INDEX principals_upn ON principals (tenant_id, lower(user_principal_name)) WHERE user_principal_name IS NOT NULL;
CREATE UNIQUE INDEX principals_client ON principals (tenant_id, client_id) WHERE client_id IS NOT NULL;

CREATE TABLE groups (
  group_id     TEXT PRIMARY KEY,
  tenant_id    TEXT NOT NULL REFERENCES partner_tenants (tenant_id),
  display_name TEXT NOT NULL,
  agent_role   TEXT CHECK (agent_role IN ('AdminAgents', 'HelpdeskAgents', 'SalesAgents'))
);

CREATE TABLE group_members (
  group_id    TEXT NOT NULL REFERENCES groups (group_id),
  member_id   TEXT NOT NULL,
  member_kind TEXT NOT NULL CHECK (member_kind IN ('user', 'app', 'group')),
  PRIMARY KEY (member_id, group_id)
) WITHOUT ROWID;

CREATE TABLE customer_tenants (
  tenant_id                    TEXT PRIMARY KEY,
  street                       TEXT,
  country_letter_code          TEXT,
  postal_code                  TEXT,
  city                         TEXT,
  state                        TEXT,
  display_name                 TEXT,
  technical_notification_mails TEXT NOT NULL DEFAULT '[]'
);

CREATE TABLE partner_customers (
  partner_tenant_id  TEXT NOT NULL REFERENCES partner_tenants (tenant_id),
  customer_tenant_id TEXT NOT NULL REFERENCES customer_tenants (tenant_id),
  display_name       TEXT NOT NULL,
  dap_enabled        INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (partner_tenant_id, customer_tenant_id)
) WITHOUT ROWID;

CREATE TABLE gdap_relationships (
  id                       TEXT PRIMARY KEY,
  partner_tenant_id        TEXT NOT NULL,
  customer_tenant_id       TEXT NOT NULL,
  display_name             TEXT NOT NULL,
  status                   TEXT NOT NULL,
  role_ids                 TEXT NOT NULL,
  duration                 TEXT NOT NULL,
  auto_extend_duration     TEXT NOT NULL,
  created_date_time        TEXT NOT NULL,
  created_date_source      TEXT NOT NULL,
  activated_date_time      TEXT,
  activated_date_source    TEXT,
  end_date_time            TEXT,
  end_date_source          TEXT,
  FOREIGN KEY (partner_tenant_id, customer_tenant_id) REFERENCES partner_customers (partner_tenant_id, customer_tenant_id)
);
CREATE INDEX gdap_relationships_pair ON gdap_relationships (partner_tenant_id, customer_tenant_id);

CREATE TABLE access_assignments (
  id              TEXT PRIMARY KEY,
  relationship_id TEXT NOT NULL REFERENCES gdap_relationships (id),
  group_id        TEXT NOT NULL REFERENCES groups (group_id),
  status          TEXT NOT NULL,
  role_ids        TEXT NOT NULL
);
CREATE INDEX access_assignments_relationship ON access_assignments (relationship_id);
