-- Interactive sign-in (issue 9): app registrations' redirect URIs and public-client setting, users'
-- account state, consents, and the one-time grants of the sign-in flows. Rows only: the rules
-- (which redirect URI matches, when a grant is spent or revoked) live in the identity domain.
ALTER TABLE principals ADD COLUMN redirect_uris jsonb NOT NULL DEFAULT '[]';
ALTER TABLE principals ADD COLUMN public_client boolean NOT NULL DEFAULT false;
ALTER TABLE principals ADD COLUMN account_enabled boolean NOT NULL DEFAULT true;

-- Delegated permissions an app may use for a user: granted by that user (principal_object_id) or by
-- an admin for the whole tenant (principal_object_id = ''). scopes: JSON array of "resource/permission".
CREATE TABLE consents (
  tenant_id           text NOT NULL REFERENCES partner_tenants (tenant_id),
  client_id           text NOT NULL,
  principal_object_id text NOT NULL,
  scopes              jsonb NOT NULL,
  granted_at          bigint NOT NULL,
  PRIMARY KEY (tenant_id, client_id, principal_object_id)
);

-- Sign-in flows in progress, authorization codes, device codes and refresh tokens. id is the SHA-256
-- of the secret handed out (never the secret itself); expires_at is epoch milliseconds.
CREATE TABLE sign_in_grants (
  id         text PRIMARY KEY,
  kind       text NOT NULL CHECK (kind IN ('sign_in', 'code', 'device_code', 'refresh_token')),
  user_code  text UNIQUE,
  state      text NOT NULL,
  payload    jsonb NOT NULL,
  expires_at bigint NOT NULL
);
CREATE INDEX sign_in_grants_expiry ON sign_in_grants (expires_at);
