-- Case-insensitive user names compared by a key lower-cased in JavaScript (Unicode-aware), not by
-- SQL lower(), which in SQLite folds ASCII only. Existing rows get SQL's lower() here; the next import
-- of each user writes the exact key.
ALTER TABLE principals ADD COLUMN upn_key TEXT;
UPDATE principals SET upn_key = lower(user_principal_name) WHERE user_principal_name IS NOT NULL;
DROP INDEX principals_upn;
CREATE UNIQUE INDEX principals_upn ON principals (tenant_id, upn_key) WHERE upn_key IS NOT NULL;
