-- Users of customers' own tenants (issue 10): the administrator who approves a GDAP relationship
-- signs in at the customer tenant. directory_roles: JSON array of role definition ids (`wids`).
CREATE TABLE customer_users (
  object_id           TEXT PRIMARY KEY,
  tenant_id           TEXT NOT NULL REFERENCES customer_tenants (tenant_id),
  user_principal_name TEXT NOT NULL,
  upn_key             TEXT NOT NULL,
  display_name        TEXT NOT NULL,
  credential_hash     TEXT,
  directory_roles     TEXT NOT NULL DEFAULT '[]'
);
CREATE UNIQUE INDEX customer_users_upn ON customer_users (tenant_id, upn_key);
