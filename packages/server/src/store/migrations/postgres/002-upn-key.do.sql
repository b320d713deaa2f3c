-- Case-insensitive user names compared by a key lower-cased in JavaScript, so both stores (and the
-- seed planner) agree whatever the database's locale.
ALTER TABLE principals ADD COLUMN upn_key text;
UPDATE principals SET upn_key = lower(user_principal_name) WHERE user_principal_name IS NOT NULL;
DROP INDEX principals_upn;
CREATE UNIQUE INDEX principals_upn ON principals (tenant_id, upn_key) WHERE upn_key IS NOT NULL;
