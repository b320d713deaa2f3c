/**
 * The console's browsing reads (issue 13), written once with `?` placeholders for both dialects. The
 * two differ only in how text is ordered: SQLite compares by bytes and its lower() folds ASCII only;
 * PostgreSQL does the same under the C collation (its default collation would order, and fold,
 * otherwise). The customer page walks the migration-011 index on (name key, tenant id) in order: a
 * page is the next `limit` entries after the cursor, whatever the number of customers.
 *
 * Measured once on SQLite with 1,000,000 customers of 1,000 partners (a file store, ANALYZEd; built by
 * a throwaway script in about a minute, too slow for a test), best and worst of five: the first page
 * of 50, no search 0.10-0.20 ms (200: 0.4-0.5 ms); a name prefix "contoso" 0.12-0.20 ms, "c"
 * 0.19-0.27 ms; a 4-hex-digit prefix as name or tenant id 0.15-0.21 ms; the next page 0.13-0.23 ms;
 * one partner's first page (1,000 customers) 3.2-4.1 ms (a partner with many: see PARTNER_WALK_ROWS);
 * the partners of a page 0.4-0.5 ms. A one-character tenant id prefix would sort a sixteenth of all
 * customers (140-175 ms): the console service matches tenant ids from 4 characters on.
 */
import type { PartnerTenant } from '../domain/model.js';
import type { Row } from './rows.js';
import type { CustomerPageQuery, StoredCustomerPartner, StoredCustomerSummary } from './store.js';

export type Dialect = 'sqlite' | 'postgres';

/** The highest code point: a prefix's range of keys is [prefix, prefix + this). */
const LAST = '\u{10FFFF}';

/** Tenant ids as stored are lowercase GUIDs: a prefix of one has only these characters. */
const ID_PREFIX = /^[0-9a-f-]*$/;

function dialectText(dialect: Dialect) {
  const byBytes = (column: string) => (dialect === 'postgres' ? `(${column} COLLATE "C")` : column);
  return {
    // Exactly the indexed expressions of migration 011 (the planner matches them as written).
    key: dialect === 'postgres' ? `lower(coalesce(ct.display_name, '') COLLATE "C")` : `lower(coalesce(ct.display_name, ''))`,
    id: byBytes('ct.tenant_id'),
    byBytes,
  };
}

export interface ConsoleStatement {
  sql: string;
  values: unknown[];
}

export function partnerTenantsSql(dialect: Dialect): string {
  const { byBytes } = dialectText(dialect);
  return `SELECT tenant_id, display_name, domain FROM partner_tenants ORDER BY ${byBytes('display_name')}, ${byBytes('tenant_id')}`;
}

export const PARTNER_CUSTOMER_COUNT_SQL = 'SELECT count(*) AS n FROM partner_customers WHERE partner_tenant_id = ?';

/** Which customers a page may hold, as SQL conditions on `ct` (customer_tenants) and their values; or extra columns. */
interface Filter {
  sql: string;
  values: unknown[];
}

const NO_COLUMNS = (): Filter => ({ sql: '', values: [] });

/**
 * A page's walks of the name index: by name (or every customer) and, with a tenant id prefix, by id
 * too (branch 0 and 1). Each selects `columns(branch)` from the customers after the cursor that pass `filters`, in order, up to
 * `limit` (a placeholder; its value is last).
 */
function pageBranches(dialect: Dialect, query: CustomerPageQuery, filters: Filter[], columns: (branch: number) => Filter, limit: number): ConsoleStatement[] {
  const { key, id } = dialectText(dialect);
  const common = [...filters];
  if (query.after) common.push({ sql: `(${key}, ${id}) > (?, ?)`, values: [query.after.nameKey, query.after.tenantId] });
  const branch = (index: number, condition: Filter | undefined): ConsoleStatement => {
    const where = condition ? [...common, condition] : common;
    const extra = columns(index);
    return {
      sql: `SELECT ct.tenant_id, ct.display_name, ${key} AS name_key${extra.sql} FROM customer_tenants ct
        ${where.length > 0 ? `WHERE ${where.map((filter) => filter.sql).join(' AND ')}` : ''} ORDER BY ${key}, ${id} LIMIT ?`,
      values: [...extra.values, ...where.flatMap((filter) => filter.values), limit],
    };
  };
  const byName = branch(0, query.namePrefix !== undefined ? { sql: `${key} >= ? AND ${key} < ?`, values: [query.namePrefix, query.namePrefix + LAST] } : undefined);
  const idPrefix = query.tenantIdPrefix?.toLowerCase();
  if (idPrefix === undefined || !ID_PREFIX.test(idPrefix)) return [byName];
  return [byName, branch(1, { sql: `${id} >= ? AND ${id} < ?`, values: [idPrefix, idPrefix + LAST] })];
}

/**
 * The page's statement. A name prefix and a tenant id prefix together are two index walks joined
 * (UNION), each ordered and limited on its own, so neither reads more than a page. A partner's filter
 * makes the partner's customers the starting point: they are read and sorted (the plan for a partner
 * with few of the customers; on SQLite, walkPartnerPage serves one with many).
 */
export function customerPageStatement(dialect: Dialect, query: CustomerPageQuery): ConsoleStatement {
  const { byBytes } = dialectText(dialect);
  const filters = query.partnerTenantId === undefined ? [] : [{
    sql: 'ct.tenant_id IN (SELECT pc.customer_tenant_id FROM partner_customers pc WHERE pc.partner_tenant_id = ?)', values: [query.partnerTenantId],
  }];
  const [byName, byId] = pageBranches(dialect, query, filters, NO_COLUMNS, query.limit);
  if (!byId) return byName!;
  return {
    sql: `SELECT name_key, tenant_id, display_name FROM (SELECT * FROM (${byName!.sql}) a UNION SELECT * FROM (${byId.sql}) b) page
      ORDER BY name_key, ${byBytes('tenant_id')} LIMIT ?`,
    values: [...byName!.values, ...byId.values, query.limit],
  };
}

/**
 * SQLite's plan for a page of one partner's customers: walk the name index, probing each row for the
 * partner, up to this many rows before falling back to sorting the partner's customers
 * (customerPageStatement); a partner with fewer customers than this is sorted at once. The walk stops
 * as soon as it has a page: a partner with a third of the customers finds one in about 150 rows
 * (0.6 ms), where sorting its customers took 250 ms a page with 100,000 of 300,000. A partner with
 * fewer than one customer in 40 finds no page here (about 2 ms of probes) and is sorted. SQLite's
 * planner cannot make this choice (it keeps no statistics per partner); PostgreSQL's does from its
 * own, and serves the same pages from customerPageStatement in 1.5 ms, so it is not given this plan.
 */
export const PARTNER_WALK_ROWS = 2_000;

/**
 * One partner's customer page read by walking the name index in order (SQLite; see PARTNER_WALK_ROWS), or
 * undefined when the walk cannot tell it. Each branch (by name, by id) yields at most a page of the
 * partner's customers from its first PARTNER_WALK_ROWS rows; a branch that yields fewer is complete
 * only if those rows were all it had. When every branch is complete, the page is the first `limit`
 * of their merged rows (each branch vouches for the rows up to its last one, and a full branch alone
 * fills the page before that). The same customer found by both branches counts once.
 */
export function walkPartnerPage(
  query: CustomerPageQuery & { partnerTenantId: string }, read: (statement: ConsoleStatement) => Row[],
): StoredCustomerSummary[] | undefined {
  const dialect = 'sqlite';
  const { byBytes } = dialectText(dialect);
  // A partner with fewer customers than the walk's rows: sorting them is as cheap as the walk (and the walk may find no page).
  const [some] = read({ sql: 'SELECT count(*) AS n FROM (SELECT 1 FROM partner_customers pc WHERE pc.partner_tenant_id = ? LIMIT ?) p', values: [query.partnerTenantId, PARTNER_WALK_ROWS] });
  if (Number(some!.n) < PARTNER_WALK_ROWS) return undefined;
  const probe = (branch: number): Filter => ({
    sql: `, EXISTS (SELECT 1 FROM partner_customers pc WHERE pc.partner_tenant_id = ? AND pc.customer_tenant_id = ct.tenant_id) AS member, ${branch} AS branch`,
    values: [query.partnerTenantId],
  });
  const walks = pageBranches(dialect, query, [], NO_COLUMNS, PARTNER_WALK_ROWS);
  const found = pageBranches(dialect, query, [], probe, PARTNER_WALK_ROWS).map((walk, branch) => (
    { sql: `SELECT * FROM (${walk.sql}) w${branch} WHERE member ORDER BY name_key, tenant_id LIMIT ?`, values: [...walk.values, query.limit] }
  ));
  const rows = read({
    sql: `SELECT * FROM (${found.map((statement) => `SELECT * FROM (${statement.sql}) f`).join(' UNION ALL ')}) page ORDER BY name_key, ${byBytes('tenant_id')}`,
    values: found.flatMap((statement) => statement.values),
  });
  for (const [branch, walk] of walks.entries()) {
    if (rows.filter((row) => Number(row.branch) === branch).length >= query.limit) continue;
    const [walked] = read({ sql: `SELECT count(*) AS n FROM (${walk.sql}) w`, values: walk.values });
    if (Number(walked!.n) >= PARTNER_WALK_ROWS) return undefined;
  }
  const page: StoredCustomerSummary[] = [];
  const seen = new Set<unknown>();
  for (const row of rows) {
    if (page.length === query.limit) break;
    if (seen.has(row.tenant_id)) continue;
    seen.add(row.tenant_id);
    page.push(toCustomerSummary(row));
  }
  return page;
}

export function customerPartnersStatement(dialect: Dialect, customerTenantIds: string[]): ConsoleStatement {
  const { byBytes } = dialectText(dialect);
  const ids = customerTenantIds.map((value) => value.toLowerCase());
  return {
    sql: `SELECT pc.customer_tenant_id, pc.display_name AS customer_display_name, pc.dap_enabled, pt.tenant_id, pt.display_name, pt.domain
      FROM partner_customers pc JOIN partner_tenants pt ON pt.tenant_id = pc.partner_tenant_id
      WHERE pc.customer_tenant_id IN (${dialect === 'postgres' ? 'SELECT unnest(?::text[])' : 'SELECT value FROM json_each(?)'})
      ORDER BY ${byBytes('pc.customer_tenant_id')}, ${byBytes('pt.display_name')}, ${byBytes('pt.tenant_id')}`,
    values: [dialect === 'postgres' ? ids : JSON.stringify(ids)],
  };
}

export const toPartnerTenant = (row: Row): PartnerTenant => ({
  tenantId: row.tenant_id as string, displayName: row.display_name as string, domain: (row.domain as string | null) ?? null,
});

export const toCustomerSummary = (row: Row): StoredCustomerSummary => ({
  tenantId: row.tenant_id as string, displayName: (row.display_name as string | null) ?? null, nameKey: row.name_key as string,
});

export const toCustomerPartner = (row: Row): StoredCustomerPartner => ({
  customerTenantId: row.customer_tenant_id as string, partner: toPartnerTenant(row),
  customerDisplayName: row.customer_display_name as string, dapEnabled: Boolean(row.dap_enabled),
});
