-- Interactive sign-in (issue 9): app registrations' redirect URIs and public-client setting, users'
-- account state, consents, and the one-time grants of the sign-in flows. Rows only: the rules
-- (which redirect URI matches, when a grant is spent or revoked) live in the identity domain.
ALTER TABLE principals ADD COLUMN redirect_uris TEXT NOT NULL DEFAULT '[]';
ALTER TABLE principals ADD COLUMN public_client INTEGER NOT NULL DEFAULT 0;
ALTER TABLE principals ADD COLUMN account_enabled INTEGER NOT NULL DEFAULT 1;

-- Delegated permissions an app may use for a user: granted by that user (principal_object_id) or by
-- an admin for the whole tenant (principal_object_id = ''). scopes: JSON array of "resource/permission".
CREATE TABLE consents (
  tenant_id           TEXT NOT NULL REFERENCES partner_tenants (tenant_id),
  client_id           TEXT NOT NULL,
  principal_object_id TEXT NOT NULL,
  scopes              TEXT NOT NULL,
  granted_at          INTEGER NOT NULL,
  PRIMARY KEY (tenant_id, client_id, principal_object_id)
) WITHOUT ROWID;

-- Sign-in flows in progress, authorization codes, device codes and refresh tokens. id is the SHA-256
-- of the secret handed out (never the secret itself); expires_at is epoch milliseconds.
CREATE TABLE sign_in_grants (
  id         TEXT PRIMARY KEY,
  kind       TEXT NOT NULL CHECK (kind IN ('sign_in', 'code', 'device_code', 'refresh_token')),
  user_code  TEXT UNIQUE,
  state      TEXT NOT NULL,
  payload    TEXT NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE INDEX sign_in_grants_expiry ON sign_in_grants (expires_at);
