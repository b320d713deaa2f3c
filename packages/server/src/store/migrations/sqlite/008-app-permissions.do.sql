-- The application permissions (app roles) an app was granted on Microsoft Graph: the `roles` of its
-- app-only Graph tokens (issue 10). JSON array of permission names, e.g. ["Group.ReadWrite.All"].
ALTER TABLE principals ADD COLUMN app_permissions TEXT NOT NULL DEFAULT '[]';
