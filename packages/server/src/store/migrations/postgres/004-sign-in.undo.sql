DROP TABLE sign_in_grants;
DROP TABLE consents;
ALTER TABLE principals DROP COLUMN account_enabled;
ALTER TABLE principals DROP COLUMN public_client;
ALTER TABLE principals DROP COLUMN redirect_uris;
