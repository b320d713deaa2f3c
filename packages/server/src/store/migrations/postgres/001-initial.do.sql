-- pcapi schema v1 for PostgreSQL. Rows only: rules live in the domain, not here.
CREATE TABLE partner_tenants (
  tenant_id    text PRIMARY KEY,
  display_name text NOT NULL,
  domain       text UNIQUE
);

CREATE TABLE principals (
  object_id           text PRIMARY KEY,
  tenant_id           text NOT NULL REFERENCES partner_tenants (tenant_id),
  kind                text NOT NULL CHECK (kind IN ('user', 'app')),
  display_name        text NOT NULL,
  user_principal_name text,
  client_id           text,
  mfa_registered      boolean NOT NULL DEFAULT false,
  credential_hash     text
);
CREATE UNIQUE INDEX principals_upn ON principals (tenant_id, lower(user_principal_name)) WHERE user_principal_name IS NOT NULL;
CREATE UNIQUE INDEX principals_client ON principals (tenant_id, client_id) WHERE client_id IS NOT NULL;
CREATE INDEX principals_tenant_object ON principals (tenant_id, object_id);

CREATE TABLE groups (
  group_id     text PRIMARY KEY,
  tenant_id    text NOT NULL REFERENCES partner_tenants (tenant_id),
  display_name text NOT NULL,
  agent_role   text CHECK (agent_role IN ('AdminAgents', 'HelpdeskAgents', 'SalesAgents'))
);

CREATE TABLE group_members (
  group_id    text NOT NULL REFERENCES groups (group_id),
  member_id   text NOT NULL,
  member_kind text NOT NULL CHECK (member_kind IN ('user', 'app', 'group')),
  PRIMARY KEY (member_id, group_id)
);

CREATE TABLE customer_tenants (
  tenant_id                    text PRIMARY KEY,
  street                       text,
  country_letter_code          text,
  postal_code                  text,
  city                         text,
  state                        text,
  display_name                 text,
  technical_notification_mails jsonb NOT NULL DEFAULT '[]'
);

CREATE TABLE partner_customers (
  partner_tenant_id  text NOT NULL REFERENCES partner_tenants (tenant_id),
  customer_tenant_id text NOT NULL REFERENCES customer_tenants (tenant_id),
  display_name       text NOT NULL,
  dap_enabled        boolean NOT NULL DEFAULT false,
  PRIMARY KEY (partner_tenant_id, customer_tenant_id)
);

CREATE TABLE gdap_relationships (
  id                    text PRIMARY KEY,
  partner_tenant_id     text NOT NULL,
  customer_tenant_id    text NOT NULL,
  display_name          text NOT NULL,
  status                text NOT NULL,
  role_ids              jsonb NOT NULL,
  duration              text NOT NULL,
  auto_extend_duration  text NOT NULL,
  created_date_time     timestamptz NOT NULL,
  created_date_source   text NOT NULL,
  activated_date_time   timestamptz,
  activated_date_source text,
  end_date_time         timestamptz,
  end_date_source       text,
  FOREIGN KEY (partner_tenant_id, customer_tenant_id) REFERENCES partner_customers (partner_tenant_id, customer_tenant_id)
);
CREATE INDEX gdap_relationships_pair ON gdap_relationships (partner_tenant_id, customer_tenant_id);

CREATE TABLE access_assignments (
  id              text PRIMARY KEY,
  relationship_id text NOT NULL REFERENCES gdap_relationships (id),
  group_id        text NOT NULL REFERENCES groups (group_id),
  status          text NOT NULL,
  role_ids        jsonb NOT NULL
);
CREATE INDEX access_assignments_relationship ON access_assignments (relationship_id);
