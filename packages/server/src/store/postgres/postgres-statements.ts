/** PostgreSQL statements. Reads are named (prepared once per connection); writes are batched with unnest. */

/** One round trip for everything authorization needs about a (caller, customer) pair. */
export const ACCESS_FACTS = `
  WITH RECURSIVE containing (group_id, depth) AS (
    SELECT group_id, 1 FROM group_members WHERE member_id = $2
    UNION
    SELECT gm.group_id, c.depth + 1 FROM group_members gm JOIN containing c ON gm.member_id = c.group_id WHERE c.depth < $4
  )
  SELECT
    (SELECT json_build_object('tenant_id', p.tenant_id, 'object_id', p.object_id, 'kind', p.kind, 'display_name', p.display_name,
                              'user_principal_name', p.user_principal_name, 'client_id', p.client_id, 'mfa_registered', p.mfa_registered)
     FROM principals p WHERE p.tenant_id = $1 AND p.object_id = $2) AS principal,
    (SELECT coalesce(json_agg(m ORDER BY m.depth, m.display_name COLLATE "C"), '[]'::json) FROM (
       SELECT g.group_id, g.display_name, g.agent_role, min(c.depth) AS depth
       FROM containing c JOIN groups g ON g.group_id = c.group_id
       WHERE g.tenant_id = $1 GROUP BY g.group_id, g.display_name, g.agent_role) m) AS memberships,
    (SELECT json_build_object('display_name', pc.display_name, 'dap_enabled', pc.dap_enabled,
                              'street', ct.street, 'country_letter_code', ct.country_letter_code, 'postal_code', ct.postal_code,
                              'city', ct.city, 'state', ct.state, 'organization_display_name', ct.display_name,
                              'technical_notification_mails', ct.technical_notification_mails)
     FROM partner_customers pc JOIN customer_tenants ct ON ct.tenant_id = pc.customer_tenant_id
     WHERE pc.partner_tenant_id = $1 AND pc.customer_tenant_id = $3) AS customer,
    (SELECT coalesce(json_agg(r ORDER BY r.created_date_time, r.id, r.assignment_id), '[]'::json) FROM (
       SELECT r.id, r.display_name, r.status, r.role_ids, r.end_date_time, r.created_date_time,
              r.status_since, r.activated_date_time, r.duration, r.auto_extend_duration,
              a.id AS assignment_id, a.group_id, g.display_name AS group_display_name, a.status AS assignment_status, a.role_ids AS assignment_role_ids,
              a.status_since AS assignment_status_since
       FROM gdap_relationships r
       LEFT JOIN access_assignments a ON a.relationship_id = r.id
       LEFT JOIN groups g ON g.group_id = a.group_id
       WHERE r.partner_tenant_id = $1 AND r.customer_tenant_id = $3) r) AS relationships`;

export const READS = {
  partnerByIdOrDomain: 'SELECT tenant_id, display_name, domain FROM partner_tenants WHERE tenant_id = $1 OR domain = $1',
  partnerExists: 'SELECT 1 FROM partner_tenants WHERE tenant_id = $1',
  anyPartner: 'SELECT 1 FROM partner_tenants LIMIT 1',
  principal: 'SELECT * FROM principals WHERE tenant_id = $1 AND object_id = $2',
  userByName: "SELECT * FROM principals WHERE tenant_id = $1 AND upn_key = $2 AND kind = 'user'",
  appByClientId: "SELECT * FROM principals WHERE tenant_id = $1 AND client_id = $2 AND kind = 'app'",
  partnersHoldingApp: `SELECT DISTINCT t.tenant_id, t.display_name, t.domain FROM principals p JOIN partner_tenants t ON t.tenant_id = p.tenant_id
    WHERE p.kind = 'app' AND p.client_id = $1 ORDER BY t.tenant_id`,
  partnersHoldingUser: `SELECT DISTINCT t.tenant_id, t.display_name, t.domain FROM principals p JOIN partner_tenants t ON t.tenant_id = p.tenant_id
    WHERE p.kind = 'user' AND p.upn_key = $1 ORDER BY t.tenant_id`,
  credentialHashes: `
    SELECT object_id, credential_hash FROM principals WHERE credential_hash IS NOT NULL AND object_id = ANY($1)
    UNION ALL
    SELECT object_id, credential_hash FROM customer_users WHERE credential_hash IS NOT NULL AND object_id = ANY($1)`,
  relationshipDates: `SELECT id, created_date_time, created_date_source, activated_date_time, activated_date_source, end_date_time, end_date_source
    FROM gdap_relationships WHERE id = ANY($1)`,
  organization: 'SELECT * FROM customer_tenants WHERE tenant_id = $1',
  accessFacts: ACCESS_FACTS,
  consents: `SELECT * FROM consents WHERE tenant_id = $1 AND client_id = $2 AND principal_object_id IN ($3, '')
    ORDER BY principal_object_id COLLATE "C"`,
  grant: 'SELECT * FROM sign_in_grants WHERE id = $1',
  grantByUserCode: 'SELECT * FROM sign_in_grants WHERE user_code = $1',
} as const;

/**
 * Consents and the one-time grants of the sign-in flows. Plain rows: what a state means, and when a
 * grant is spent, is the identity domain's. No NOTIFY: nothing a cached decision depends on changes.
 */
export const SIGN_IN_WRITES = {
  putConsent: `
    INSERT INTO consents (tenant_id, client_id, principal_object_id, scopes, granted_at) VALUES ($1, $2, $3, $4::jsonb, $5)
    ON CONFLICT (tenant_id, client_id, principal_object_id) DO UPDATE SET scopes = excluded.scopes, granted_at = excluded.granted_at`,
  deleteConsent: 'DELETE FROM consents WHERE tenant_id = $1 AND client_id = $2 AND principal_object_id = $3',
  putGrant: 'INSERT INTO sign_in_grants (id, kind, user_code, state, payload, expires_at) VALUES ($1, $2, $3, $4, $5::jsonb, $6)',
  // Compare-and-set: under READ COMMITTED a concurrent update of the row makes this one re-check the
  // state on the new row version, so of two callers exactly one moves the grant.
  updateGrant: 'UPDATE sign_in_grants SET state = $3, payload = coalesce($4::jsonb, payload) WHERE id = $1 AND state = $2',
  purgeGrants: 'DELETE FROM sign_in_grants WHERE expires_at < $1',
} as const;

interface TableSpec {
  table: string;
  /** Column name and PostgreSQL type, in insert order. */
  columns: [string, string][];
  key: string[];
  /** Columns written once: an update keeps the stored value unless it is null. */
  keepStored?: string[];
  /** The columns whose change makes a row an update (default: every non-key column); the others follow them. */
  changedWhen?: string[];
  /** More assignments made when a row is updated (e.g. a version bump). */
  alsoSet?: string[];
}

/**
 * A batched upsert: rows arrive as one array per column; rows identical to the stored ones are left
 * untouched (and not returned), so the caller can count inserted, updated and unchanged rows.
 */
export function batchUpsert({ table, columns, key, keepStored = [], changedWhen, alsoSet = [] }: TableSpec): string {
  const names = columns.map(([name]) => name);
  const others = names.filter((name) => !key.includes(name));
  const compared = changedWhen ?? others;
  const updated = (name: string) => (keepStored.includes(name) ? `coalesce(${table}.${name}, excluded.${name})` : `excluded.${name}`);
  return `
    INSERT INTO ${table} (${names.join(', ')})
    SELECT * FROM unnest(${columns.map(([, type], i) => `$${i + 1}::${type}[]`).join(', ')})
    ON CONFLICT (${key.join(', ')}) DO UPDATE SET ${[...others.map((name) => `${name} = ${updated(name)}`), ...alsoSet].join(', ')}
    WHERE (${compared.map((name) => `${table}.${name}`).join(', ')}) IS DISTINCT FROM (${compared.map(updated).join(', ')})
    RETURNING (xmax = 0) AS inserted`;
}

/** A seed that changes a relationship or assignment: a new etag, and its status as of its own dates. */
const SEED_CHANGED = (table: string) => [`version = ${table}.version + 1`, 'status_since = NULL', 'last_modified_date_time = NULL'];

export const UPSERTS = {
  partners: batchUpsert({ table: 'partner_tenants', key: ['tenant_id'], columns: [['tenant_id', 'text'], ['display_name', 'text'], ['domain', 'text']] }),
  principals: batchUpsert({
    table: 'principals', key: ['object_id'],
    columns: [['object_id', 'text'], ['tenant_id', 'text'], ['kind', 'text'], ['display_name', 'text'], ['user_principal_name', 'text'],
      ['upn_key', 'text'], ['client_id', 'text'], ['mfa_registered', 'boolean'], ['credential_hash', 'text'],
      ['redirect_uris', 'jsonb'], ['public_client', 'boolean'], ['account_enabled', 'boolean'], ['app_permissions', 'jsonb']],
  }),
  groups: batchUpsert({ table: 'groups', key: ['group_id'], columns: [['group_id', 'text'], ['tenant_id', 'text'], ['display_name', 'text'], ['agent_role', 'text']] }),
  // The organization's owner is recorded once: the first partner to set the details keeps them.
  customers: batchUpsert({
    table: 'customer_tenants', key: ['tenant_id'], keepStored: ['organization_owner_tenant_id'],
    columns: [['tenant_id', 'text'], ['street', 'text'], ['country_letter_code', 'text'], ['postal_code', 'text'], ['city', 'text'], ['state', 'text'],
      ['display_name', 'text'], ['technical_notification_mails', 'jsonb'], ['organization_owner_tenant_id', 'text']],
  }),
  customerUsers: batchUpsert({
    table: 'customer_users', key: ['object_id'],
    columns: [['object_id', 'text'], ['tenant_id', 'text'], ['user_principal_name', 'text'], ['upn_key', 'text'], ['display_name', 'text'],
      ['credential_hash', 'text'], ['directory_roles', 'jsonb']],
  }),
  partnerCustomers: batchUpsert({
    table: 'partner_customers', key: ['partner_tenant_id', 'customer_tenant_id'],
    columns: [['partner_tenant_id', 'text'], ['customer_tenant_id', 'text'], ['display_name', 'text'], ['dap_enabled', 'boolean']],
  }),
  relationships: batchUpsert({
    table: 'gdap_relationships', key: ['id'],
    columns: [['id', 'text'], ['partner_tenant_id', 'text'], ['customer_tenant_id', 'text'], ['display_name', 'text'], ['status', 'text'],
      ['role_ids', 'jsonb'], ['duration', 'text'], ['auto_extend_duration', 'text'], ['created_date_time', 'timestamptz'],
      ['created_date_source', 'text'], ['activated_date_time', 'timestamptz'], ['activated_date_source', 'text'],
      ['end_date_time', 'timestamptz'], ['end_date_source', 'text']],
    alsoSet: SEED_CHANGED('gdap_relationships'),
  }),
  assignments: batchUpsert({
    table: 'access_assignments', key: ['id'],
    columns: [['id', 'text'], ['relationship_id', 'text'], ['group_id', 'text'], ['status', 'text'], ['role_ids', 'jsonb']],
    alsoSet: SEED_CHANGED('access_assignments'),
  }),
  // The grant time is the import's only when the scopes change: the same file imported later keeps it.
  consents: batchUpsert({
    table: 'consents', key: ['tenant_id', 'client_id', 'principal_object_id'], changedWhen: ['scopes'],
    columns: [['tenant_id', 'text'], ['client_id', 'text'], ['principal_object_id', 'text'], ['scopes', 'jsonb'], ['granted_at', 'bigint']],
  }),
} as const;

export const MEMBERSHIPS = {
  /** Removes memberships of the listed members that the plan no longer names. */
  removeOthers: `
    DELETE FROM group_members gm WHERE gm.member_id = ANY($1::text[])
      AND NOT EXISTS (SELECT 1 FROM unnest($2::text[], $3::text[]) AS keep(member_id, group_id)
                      WHERE keep.member_id = gm.member_id AND keep.group_id = gm.group_id)`,
  add: `
    INSERT INTO group_members (member_id, group_id, member_kind)
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) ON CONFLICT DO NOTHING`,
  removeOtherAssignments: 'DELETE FROM access_assignments WHERE relationship_id = ANY($1::text[]) AND id <> ALL($2::text[])',
} as const;

/**
 * The keys an import has claimed so far, with where the file declares them: a key claimed again, even by
 * a later chunk, is a duplicate. A temporary table dropped at the end of the import's transaction,
 * appended to without an index (see claim-filter.ts, which finds the keys worth looking up), so a
 * million customers' keys stay out of the process's memory.
 */
export const CLAIMS = {
  create: 'CREATE TEMP TABLE pcapi_import_claims (key text NOT NULL, origin text NOT NULL, chunk integer NOT NULL) ON COMMIT DROP',
  add: 'INSERT INTO pcapi_import_claims (key, origin, chunk) SELECT *, $3::integer FROM unnest($1::text[], $2::text[])',
  // A scan: run only for keys the filter suspects. The earliest claim comes last, so it wins in a Map.
  earlier: 'SELECT key, origin FROM pcapi_import_claims WHERE chunk < $2 AND key = ANY($1::text[]) ORDER BY chunk DESC',
} as const;

/** What the store holds for a chunk's ids and names (see rows.ts lookupsOf/toStoredIds), inside the import's transaction. */
export const IMPORT_LOOKUPS = {
  objects: `
    SELECT p.object_id AS id, p.kind, p.tenant_id, coalesce(p.user_principal_name, p.display_name) AS name, NULL AS agent_role, t.display_name AS partner_name
    FROM principals p JOIN partner_tenants t ON t.tenant_id = p.tenant_id WHERE p.object_id = ANY($1::text[])
    UNION ALL
    SELECT g.group_id, 'group', g.tenant_id, g.display_name, g.agent_role, t.display_name
    FROM groups g JOIN partner_tenants t ON t.tenant_id = g.tenant_id WHERE g.group_id = ANY($1::text[])`,
  userNames: `
    SELECT tenant_id, upn_key, object_id FROM principals
    WHERE upn_key IS NOT NULL AND (tenant_id, upn_key) IN (SELECT * FROM unnest($1::text[], $2::text[]))`,
  clientIds: `
    SELECT tenant_id, client_id, object_id FROM principals
    WHERE client_id IS NOT NULL AND (tenant_id, client_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))`,
  domains: 'SELECT domain, tenant_id, display_name AS partner_name FROM partner_tenants WHERE domain = ANY($1::text[])',
  relationships: `
    SELECT r.id, r.partner_tenant_id, r.customer_tenant_id, r.display_name, t.display_name AS partner_name
    FROM gdap_relationships r JOIN partner_tenants t ON t.tenant_id = r.partner_tenant_id WHERE r.id = ANY($1::text[])`,
  assignments: `
    SELECT a.id, a.relationship_id, r.display_name AS relationship_name, r.partner_tenant_id, t.display_name AS partner_name
    FROM access_assignments a JOIN gdap_relationships r ON r.id = a.relationship_id JOIN partner_tenants t ON t.tenant_id = r.partner_tenant_id
    WHERE a.id = ANY($1::text[])`,
  customers: `
    SELECT c.*, t.display_name AS owner_name FROM customer_tenants c LEFT JOIN partner_tenants t ON t.tenant_id = c.organization_owner_tenant_id
    WHERE c.tenant_id = ANY($1::text[])`,
  partners: 'SELECT tenant_id, display_name FROM partner_tenants WHERE tenant_id = ANY($1::text[])',
} as const;

/** The issuer's signing keys (rows only; identity/signing-key-rules.ts decides what they mean). */
export const SIGNING_KEYS = {
  list: 'SELECT * FROM signing_keys ORDER BY created_at, kid COLLATE "C"',
  /** Taken before an insert-if-none: conflicts with itself, so concurrent first inserts run one after another (reads go on). */
  lock: 'LOCK TABLE signing_keys IN SHARE ROW EXCLUSIVE MODE',
  insert: `
    INSERT INTO signing_keys (kid, private_jwk, certificate, created_at, signs_from, published_until)
    SELECT $1::text, $2::jsonb, $3::text, $4::bigint, $5::bigint, $6::bigint WHERE NOT $7::boolean OR NOT EXISTS (SELECT 1 FROM signing_keys)
    ON CONFLICT (kid) DO NOTHING`,
  setPublishedUntil: 'UPDATE signing_keys SET published_until = $2 WHERE kid = $1',
} as const;
