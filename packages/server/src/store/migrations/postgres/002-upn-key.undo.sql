DROP INDEX principals_upn;
ALTER TABLE principals DROP COLUMN upn_key;
CREATE UNIQUE INDEX principals_upn ON principals (tenant_id, lower(user_principal_name)) WHERE user_principal_name IS NOT NULL;
