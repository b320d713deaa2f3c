ALTER TABLE principals DROP COLUMN app_permissions;
