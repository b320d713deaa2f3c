import type Database from 'better-sqlite3';
/**
 * The access facts statement, given `groups`: a query of the groups of the caller's tenant it is in
 * (group_id, display_name, agent_role, depth), in order of depth, then name.
 */
function accessFactsSql(groups: string): string {
  return `
    SELECT
      (SELECT json_object('tenant_id', p.tenant_id, 'object_id', p.object_id, 'kind', p.kind, 'display_name', p.display_name,
                          'user_principal_name', p.user_principal_name, 'client_id', p.client_id, 'mfa_registered', p.mfa_registered)
       FROM principals p WHERE p.tenant_id = @tenantId AND p.object_id = @memberId) AS principal,
      (SELECT json_group_array(json_object('group_id', m.group_id, 'display_name', m.display_name, 'agent_role', m.agent_role, 'depth', m.depth))
       FROM (${groups}) m) AS memberships,
      (SELECT json_object('display_name', pc.display_name, 'dap_enabled', pc.dap_enabled,
                          'street', ct.street, 'country_letter_code', ct.country_letter_code, 'postal_code', ct.postal_code,
                          'city', ct.city, 'state', ct.state, 'organization_display_name', ct.display_name,
                          'technical_notification_mails', json(ct.technical_notification_mails))
       FROM partner_customers pc JOIN customer_tenants ct ON ct.tenant_id = pc.customer_tenant_id
       WHERE pc.partner_tenant_id = @tenantId AND pc.customer_tenant_id = @customerId) AS customer,
      (SELECT json_group_array(json_object('id', r.id, 'display_name', r.display_name, 'status', r.status, 'role_ids', json(r.role_ids),
                                           'end_date_time', r.end_date_time, 'assignment_id', r.assignment_id, 'group_id', r.group_id,
                                           'group_display_name', r.group_display_name, 'assignment_status', r.assignment_status,
                                           'assignment_role_ids', json(r.assignment_role_ids),
                                           'created_date_time', r.created_date_time, 'status_since', r.status_since,
                                           'activated_date_time', r.activated_date_time, 'duration', r.duration,
                                           'auto_extend_duration', r.auto_extend_duration, 'assignment_status_since', r.assignment_status_since))
       FROM (SELECT r.id, r.display_name, r.status, r.role_ids, r.end_date_time, r.created_date_time, r.status_since, r.activated_date_time,
                    r.duration, r.auto_extend_duration,
                    a.id AS assignment_id, a.group_id, g.display_name AS group_display_name, a.status AS assignment_status, a.role_ids AS assignment_role_ids,
                    a.status_since AS assignment_status_since
             FROM gdap_relationships r
             LEFT JOIN access_assignments a ON a.relationship_id = r.id
             LEFT JOIN groups g ON g.group_id = a.group_id
             WHERE r.partner_tenant_id = @tenantId AND r.customer_tenant_id = @customerId
             ORDER BY r.created_date_time, r.id, a.id) r) AS relationships`;
}

/** Reads, prepared once at init on the serving connection. */
export const READ_SQL = {
  partnerByIdOrDomain: 'SELECT tenant_id, display_name, domain FROM partner_tenants WHERE tenant_id = @key OR domain = @key',
  partnerExists: 'SELECT 1 FROM partner_tenants WHERE tenant_id = ?',
  anyPartner: 'SELECT 1 FROM partner_tenants LIMIT 1',
  principal: 'SELECT * FROM principals WHERE tenant_id = ? AND object_id = ?',
  userByName: "SELECT * FROM principals WHERE tenant_id = ? AND upn_key = ? AND kind = 'user'",
  appByClientId: "SELECT * FROM principals WHERE tenant_id = ? AND client_id = ? AND kind = 'app'",
  partnersHoldingApp: `SELECT DISTINCT t.tenant_id, t.display_name, t.domain FROM principals p JOIN partner_tenants t ON t.tenant_id = p.tenant_id
    WHERE p.kind = 'app' AND p.client_id = ? ORDER BY t.tenant_id`,
  partnersHoldingUser: `SELECT DISTINCT t.tenant_id, t.display_name, t.domain FROM principals p JOIN partner_tenants t ON t.tenant_id = p.tenant_id
    WHERE p.kind = 'user' AND p.upn_key = ? ORDER BY t.tenant_id`,
  credentialHashes: `
    SELECT object_id, credential_hash FROM principals WHERE credential_hash IS NOT NULL AND object_id IN (SELECT value FROM json_each(@ids))
    UNION ALL
    SELECT object_id, credential_hash FROM customer_users WHERE credential_hash IS NOT NULL AND object_id IN (SELECT value FROM json_each(@ids))`,
  // Everything authorization needs about a (caller, customer) pair in one statement, as JSON: one
  // step through SQLite instead of five on a cache-cold call. Nested groups are off by default; then
  // the caller's groups are its direct memberships, read without the recursive walk and its grouping
  // (which cost twice as much at 1M customers).
  accessFacts: accessFactsSql(`
    SELECT g.group_id, g.display_name, g.agent_role, 1 AS depth
    -- CROSS JOIN keeps this order: the caller's few memberships first, then each group by key (left to
    -- itself the planner scans every group of every tenant).
    FROM group_members gm CROSS JOIN groups g ON g.group_id = gm.group_id
    WHERE gm.member_id = @memberId AND g.tenant_id = @tenantId
    ORDER BY g.display_name`),
  accessFactsNested: accessFactsSql(`
    WITH RECURSIVE containing (group_id, depth) AS (
      SELECT group_id, 1 FROM group_members WHERE member_id = @memberId
      UNION
      SELECT gm.group_id, c.depth + 1 FROM group_members gm JOIN containing c ON gm.member_id = c.group_id WHERE c.depth < @maxDepth
    )
    SELECT g.group_id, g.display_name, g.agent_role, MIN(c.depth) AS depth
    FROM containing c CROSS JOIN groups g ON g.group_id = c.group_id
    WHERE g.tenant_id = @tenantId
    GROUP BY g.group_id ORDER BY depth, g.display_name`),
  organization: 'SELECT * FROM customer_tenants WHERE tenant_id = ?',
  relationshipDates: `
    SELECT id, created_date_time, created_date_source, activated_date_time, activated_date_source, end_date_time, end_date_source
    FROM gdap_relationships WHERE id IN (SELECT value FROM json_each(?))`,
} as const;

/** Writes, prepared per import on the import's own connection. */
export const WRITE_SQL = {
  partnerExists: 'SELECT 1 FROM partner_tenants WHERE tenant_id = ?',

  upsertPartner: `
    INSERT INTO partner_tenants (tenant_id, display_name, domain) VALUES (?, ?, ?)
    ON CONFLICT (tenant_id) DO UPDATE SET display_name = excluded.display_name, domain = excluded.domain
    WHERE (display_name, domain) IS NOT (excluded.display_name, excluded.domain)`,
  principalExists: 'SELECT 1 FROM principals WHERE object_id = ?',
  upsertPrincipal: `
    INSERT INTO principals (object_id, tenant_id, kind, display_name, user_principal_name, upn_key, client_id, mfa_registered, credential_hash,
      redirect_uris, public_client, account_enabled, app_permissions)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (object_id) DO UPDATE SET tenant_id = excluded.tenant_id, kind = excluded.kind, display_name = excluded.display_name,
      user_principal_name = excluded.user_principal_name, upn_key = excluded.upn_key, client_id = excluded.client_id,
      mfa_registered = excluded.mfa_registered, credential_hash = excluded.credential_hash,
      redirect_uris = excluded.redirect_uris, public_client = excluded.public_client, account_enabled = excluded.account_enabled,
      app_permissions = excluded.app_permissions
    WHERE (tenant_id, kind, display_name, user_principal_name, upn_key, client_id, mfa_registered, credential_hash, redirect_uris, public_client, account_enabled, app_permissions)
      IS NOT (excluded.tenant_id, excluded.kind, excluded.display_name, excluded.user_principal_name, excluded.upn_key, excluded.client_id,
              excluded.mfa_registered, excluded.credential_hash, excluded.redirect_uris, excluded.public_client, excluded.account_enabled, excluded.app_permissions)`,
  groupExists: 'SELECT 1 FROM groups WHERE group_id = ?',
  upsertCustomerUser: `
    INSERT INTO customer_users (object_id, tenant_id, user_principal_name, upn_key, display_name, credential_hash, directory_roles) VALUES (?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (object_id) DO UPDATE SET tenant_id = excluded.tenant_id, user_principal_name = excluded.user_principal_name, upn_key = excluded.upn_key,
      display_name = excluded.display_name, credential_hash = excluded.credential_hash, directory_roles = excluded.directory_roles
    WHERE (tenant_id, user_principal_name, upn_key, display_name, credential_hash, directory_roles)
      IS NOT (excluded.tenant_id, excluded.user_principal_name, excluded.upn_key, excluded.display_name, excluded.credential_hash, excluded.directory_roles)`,
  customerUserExists: 'SELECT 1 FROM customer_users WHERE object_id = ?',
  upsertGroup: `
    INSERT INTO groups (group_id, tenant_id, display_name, agent_role) VALUES (?, ?, ?, ?)
    ON CONFLICT (group_id) DO UPDATE SET tenant_id = excluded.tenant_id, display_name = excluded.display_name, agent_role = excluded.agent_role
    WHERE (tenant_id, display_name, agent_role) IS NOT (excluded.tenant_id, excluded.display_name, excluded.agent_role)`,
  removeOtherMemberships: 'DELETE FROM group_members WHERE member_id = ? AND group_id NOT IN (SELECT value FROM json_each(?))',
  addMembership: 'INSERT OR IGNORE INTO group_members (group_id, member_id, member_kind) VALUES (?, ?, ?)',
  customerExists: 'SELECT 1 FROM customer_tenants WHERE tenant_id = ?',
  // The organization's owner is recorded once: the first partner to set the details keeps them.
  upsertCustomer: `
    INSERT INTO customer_tenants (tenant_id, street, country_letter_code, postal_code, city, state, display_name, technical_notification_mails, organization_owner_tenant_id)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (tenant_id) DO UPDATE SET street = excluded.street, country_letter_code = excluded.country_letter_code,
      postal_code = excluded.postal_code, city = excluded.city, state = excluded.state, display_name = excluded.display_name,
      technical_notification_mails = excluded.technical_notification_mails,
      organization_owner_tenant_id = coalesce(organization_owner_tenant_id, excluded.organization_owner_tenant_id)
    WHERE (street, country_letter_code, postal_code, city, state, display_name, technical_notification_mails, organization_owner_tenant_id)
      IS NOT (excluded.street, excluded.country_letter_code, excluded.postal_code, excluded.city, excluded.state, excluded.display_name,
              excluded.technical_notification_mails, coalesce(organization_owner_tenant_id, excluded.organization_owner_tenant_id))`,
  partnerCustomerExists: 'SELECT 1 FROM partner_customers WHERE partner_tenant_id = ? AND customer_tenant_id = ?',
  upsertPartnerCustomer: `
    INSERT INTO partner_customers (partner_tenant_id, customer_tenant_id, display_name, dap_enabled) VALUES (?, ?, ?, ?)
    ON CONFLICT (partner_tenant_id, customer_tenant_id) DO UPDATE SET display_name = excluded.display_name, dap_enabled = excluded.dap_enabled
    WHERE (display_name, dap_enabled) IS NOT (excluded.display_name, excluded.dap_enabled)`,
  relationshipExists: 'SELECT 1 FROM gdap_relationships WHERE id = ?',
  upsertRelationship: `
    INSERT INTO gdap_relationships (id, partner_tenant_id, customer_tenant_id, display_name, status, role_ids, duration, auto_extend_duration,
      created_date_time, created_date_source, activated_date_time, activated_date_source, end_date_time, end_date_source)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (id) DO UPDATE SET partner_tenant_id = excluded.partner_tenant_id, customer_tenant_id = excluded.customer_tenant_id,
      display_name = excluded.display_name, status = excluded.status, role_ids = excluded.role_ids, duration = excluded.duration,
      auto_extend_duration = excluded.auto_extend_duration, created_date_time = excluded.created_date_time,
      created_date_source = excluded.created_date_source, activated_date_time = excluded.activated_date_time,
      activated_date_source = excluded.activated_date_source, end_date_time = excluded.end_date_time, end_date_source = excluded.end_date_source,
      -- A seed that changes it: a new etag, and its status as of its own dates.
      version = gdap_relationships.version + 1, status_since = NULL, last_modified_date_time = NULL
    WHERE (partner_tenant_id, customer_tenant_id, display_name, status, role_ids, duration, auto_extend_duration,
           created_date_time, created_date_source, activated_date_time, activated_date_source, end_date_time, end_date_source)
      IS NOT (excluded.partner_tenant_id, excluded.customer_tenant_id, excluded.display_name, excluded.status, excluded.role_ids,
           excluded.duration, excluded.auto_extend_duration, excluded.created_date_time, excluded.created_date_source,
           excluded.activated_date_time, excluded.activated_date_source, excluded.end_date_time, excluded.end_date_source)`,
  // One statement per plan: an assignment listed anywhere in the plan (even under another relationship) is kept.
  removeOtherAssignments: `DELETE FROM access_assignments WHERE relationship_id IN (SELECT value FROM json_each(@relationships))
    AND id NOT IN (SELECT value FROM json_each(@keep))`,
  assignmentExists: 'SELECT 1 FROM access_assignments WHERE id = ?',
  upsertAssignment: `
    INSERT INTO access_assignments (id, relationship_id, group_id, status, role_ids) VALUES (?, ?, ?, ?, ?)
    ON CONFLICT (id) DO UPDATE SET relationship_id = excluded.relationship_id, group_id = excluded.group_id, status = excluded.status, role_ids = excluded.role_ids,
      version = access_assignments.version + 1, status_since = NULL, last_modified_date_time = NULL
    WHERE (relationship_id, group_id, status, role_ids) IS NOT (excluded.relationship_id, excluded.group_id, excluded.status, excluded.role_ids)`,
  consentExists: 'SELECT 1 FROM consents WHERE tenant_id = ? AND client_id = ? AND principal_object_id = ?',
  // The grant time is the import's only when the scopes change: the same file imported later keeps it.
  upsertConsent: `
    INSERT INTO consents (tenant_id, client_id, principal_object_id, scopes, granted_at) VALUES (?, ?, ?, ?, ?)
    ON CONFLICT (tenant_id, client_id, principal_object_id) DO UPDATE SET scopes = excluded.scopes, granted_at = excluded.granted_at
    WHERE scopes IS NOT excluded.scopes`,
} as const;

/**
 * Consents and the one-time grants of the sign-in flows, prepared once at init on the serving
 * connection. Plain rows: what a state means, and when a grant is spent, is the identity domain's.
 */
export const SIGN_IN_SQL = {
  consents: `
    SELECT * FROM consents WHERE tenant_id = @tenantId AND client_id = @clientId AND principal_object_id IN (@principalObjectId, '')
    ORDER BY principal_object_id`,
  putConsent: `
    INSERT INTO consents (tenant_id, client_id, principal_object_id, scopes, granted_at) VALUES (@tenantId, @clientId, @principalObjectId, @scopes, @grantedAt)
    ON CONFLICT (tenant_id, client_id, principal_object_id) DO UPDATE SET scopes = excluded.scopes, granted_at = excluded.granted_at`,
  deleteConsent: 'DELETE FROM consents WHERE tenant_id = ? AND client_id = ? AND principal_object_id = ?',
  putGrant: 'INSERT INTO sign_in_grants (id, kind, user_code, state, payload, expires_at) VALUES (@id, @kind, @userCode, @state, @payload, @expiresAt)',
  grant: 'SELECT * FROM sign_in_grants WHERE id = ?',
  grantByUserCode: 'SELECT * FROM sign_in_grants WHERE user_code = ?',
  // Compare-and-set: one statement, so two callers (in any process) cannot both move the grant.
  updateGrant: 'UPDATE sign_in_grants SET state = @toState, payload = coalesce(@payload, payload) WHERE id = @id AND state = @fromState',
  purgeGrants: 'DELETE FROM sign_in_grants WHERE expires_at < ?',
} as const;

/**
 * The keys an import has claimed so far, with where the file declares them: a key claimed again, even by
 * a later chunk, is a duplicate. A temporary table of the import's connection, appended to without an
 * index (see claim-filter.ts, which finds the keys worth looking up), so a million customers' keys stay
 * out of the process's memory.
 */
export const CLAIMS_TABLE_SQL = {
  create: 'CREATE TEMP TABLE pcapi_import_claims (key TEXT NOT NULL, origin TEXT NOT NULL, chunk INTEGER NOT NULL)',
  drop: 'DROP TABLE IF EXISTS temp.pcapi_import_claims',
} as const;

/**
 * What the store holds for a chunk's ids and names (see rows.ts lookupsOf/toStoredIds for the columns),
 * read on the import's connection, inside its transaction. Lists arrive as JSON arrays.
 */
export const IMPORT_LOOKUP_SQL = {
  addClaims: 'INSERT INTO temp.pcapi_import_claims (key, origin, chunk) SELECT value ->> 0, value ->> 1, @chunk FROM json_each(@claims)',
  // A scan: run only for keys the filter suspects. The earliest claim comes last, so it wins in a Map.
  earlierClaims: `
    SELECT key, origin FROM temp.pcapi_import_claims WHERE chunk < @chunk AND key IN (SELECT value FROM json_each(@keys)) ORDER BY chunk DESC`,
  objects: `
    SELECT p.object_id AS id, p.kind, p.tenant_id, coalesce(p.user_principal_name, p.display_name) AS name, NULL AS agent_role, t.display_name AS partner_name
    FROM principals p JOIN partner_tenants t ON t.tenant_id = p.tenant_id WHERE p.object_id IN (SELECT value FROM json_each(@ids))
    UNION ALL
    SELECT g.group_id, 'group', g.tenant_id, g.display_name, g.agent_role, t.display_name
    FROM groups g JOIN partner_tenants t ON t.tenant_id = g.tenant_id WHERE g.group_id IN (SELECT value FROM json_each(@ids))`,
  userNames: `
    SELECT tenant_id, upn_key, object_id FROM principals
    WHERE upn_key IS NOT NULL AND (tenant_id, upn_key) IN (SELECT value ->> 0, value ->> 1 FROM json_each(?))`,
  clientIds: `
    SELECT tenant_id, client_id, object_id FROM principals
    WHERE client_id IS NOT NULL AND (tenant_id, client_id) IN (SELECT value ->> 0, value ->> 1 FROM json_each(?))`,
  domains: `
    SELECT domain, tenant_id, display_name AS partner_name FROM partner_tenants WHERE domain IN (SELECT value FROM json_each(?))`,
  relationships: `
    SELECT r.id, r.partner_tenant_id, r.customer_tenant_id, r.display_name, t.display_name AS partner_name
    FROM gdap_relationships r JOIN partner_tenants t ON t.tenant_id = r.partner_tenant_id WHERE r.id IN (SELECT value FROM json_each(?))`,
  assignments: `
    SELECT a.id, a.relationship_id, r.display_name AS relationship_name, r.partner_tenant_id, t.display_name AS partner_name
    FROM access_assignments a JOIN gdap_relationships r ON r.id = a.relationship_id JOIN partner_tenants t ON t.tenant_id = r.partner_tenant_id
    WHERE a.id IN (SELECT value FROM json_each(?))`,
  customers: `
    SELECT c.*, t.display_name AS owner_name FROM customer_tenants c LEFT JOIN partner_tenants t ON t.tenant_id = c.organization_owner_tenant_id
    WHERE c.tenant_id IN (SELECT value FROM json_each(?))`,
  partners: 'SELECT tenant_id, display_name FROM partner_tenants WHERE tenant_id IN (SELECT value FROM json_each(?))',
} as const;

/** The issuer's signing keys (rows only; identity/signing-key-rules.ts decides what they mean). Prepared at init. */
export const SIGNING_KEY_SQL = {
  list: 'SELECT * FROM signing_keys ORDER BY created_at, kid',
  any: 'SELECT 1 FROM signing_keys LIMIT 1',
  insert: `
    INSERT INTO signing_keys (kid, private_jwk, certificate, created_at, signs_from, published_until) VALUES (?, ?, ?, ?, ?, ?)
    ON CONFLICT (kid) DO NOTHING`,
  setPublishedUntil: 'UPDATE signing_keys SET published_until = ? WHERE kid = ?',
} as const;

/** The counter other processes poll for changes that invalidate caches (migration 006). */
export const CHANGE_COUNTER_SQL = {
  read: 'SELECT version FROM change_counter WHERE id = 1',
  bump: 'UPDATE change_counter SET version = version + 1 WHERE id = 1',
} as const;

/** Prepared statements by name, for a map of SQL texts by name. */
export type Statements<T> = { [K in keyof T]: Database.Statement };

/**
 * The statements of `sql` on `db`, each prepared when first used: a command or an import uses a few of
 * the dozens a store has (preparing them all took a tenth of a seed import's time), and a store opened
 * for one read should not pay for the rest. test/store/sqlite-statements.test.ts prepares every one
 * against the migrated schema, so a statement that does not fit it is found by the tests, not by a user.
 */
export function prepareAll<T extends Record<string, string>>(db: Database.Database, sql: T): Statements<T> {
  const statements = {} as Statements<T>;
  for (const name of Object.keys(sql) as (keyof T & string)[]) {
    Object.defineProperty(statements, name, {
      configurable: true,
      enumerable: true,
      get() {
        const statement = db.prepare(sql[name]!);
        Object.defineProperty(statements, name, { value: statement, enumerable: true });
        return statement;
      },
    });
  }
  return statements;
}
