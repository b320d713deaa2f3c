-- Users of customers' own tenants (issue 10): the administrator who approves a GDAP relationship
-- signs in at the customer tenant. directory_roles: JSON array of role definition ids (`wids`).
CREATE TABLE customer_users (
  object_id           text PRIMARY KEY,
  tenant_id           text NOT NULL REFERENCES customer_tenants (tenant_id),
  user_principal_name text NOT NULL,
  upn_key             text NOT NULL,
  display_name        text NOT NULL,
  credential_hash     text,
  directory_roles     jsonb NOT NULL DEFAULT '[]'
);
CREATE UNIQUE INDEX customer_users_upn ON customer_users (tenant_id, upn_key);
