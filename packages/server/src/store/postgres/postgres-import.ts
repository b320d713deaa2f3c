/**
 * A seed import into the PostgreSQL store, in one transaction on the client it is given: chunk by
 * chunk, each checked against what the store and the earlier chunks hold (ids belong to their
 * partner), then written as batched upserts (one array per column) that count what they inserted,
 * changed and left alone.
 */
import type pg from 'pg';
import type { StoredIds } from '../../seed/import-conflicts.js';
import type { SeedPlan } from '../../seed/seed-plan.js';
import { ClaimFilter } from '../claim-filter.js';
import { describeConstraint, lookupsOf, planChunks, toStoredIds, type Row } from '../rows.js';
import { SeedConflictError, type ImportOptions, type ImportSummary } from '../store.js';
import { PG_RESET_SQL } from './postgres-gdap.js';
import { CLAIMS, IMPORT_LOOKUPS, MEMBERSHIPS, UPSERTS } from './postgres-statements.js';

/** Rows per batched statement: large enough to amortize round trips, small enough for parameter sizes. */
const BATCH_ROWS = 5000;

/**
 * Imports `plans` in one transaction on `client`, running `changeNotice` (a NOTIFY) just before the
 * commit. Rolled back on any failure; a constraint the checks missed becomes a SeedConflictError,
 * any other error (a lost connection included) is thrown as it came.
 */
export async function importInTransaction(client: pg.PoolClient, plans: SeedPlan | AsyncIterable<SeedPlan>, { check, replace }: ImportOptions, changeNotice: string): Promise<ImportSummary> {
  const summary: ImportSummary = { inserted: 0, updated: 0, unchanged: 0 };
  /** Upserts rows in batches, one array per column, and counts what changed. */
  const upsert = async <T>(sql: string, rows: T[], columns: (row: T) => unknown[]) => {
    for (let start = 0; start < rows.length; start += BATCH_ROWS) {
      const batch = rows.slice(start, start + BATCH_ROWS).map(columns);
      const arrays = batch[0]!.map((_, column) => batch.map((values) => values[column]));
      const result = await client.query<{ inserted: boolean }>(sql, arrays);
      const inserted = result.rows.filter((row) => row.inserted).length;
      summary.inserted += inserted;
      summary.updated += result.rows.length - inserted;
      summary.unchanged += batch.length - result.rows.length;
    }
  };
  try {
    await client.query('BEGIN');
    if (replace) for (const sql of PG_RESET_SQL) await client.query(sql);
    const seen = new ClaimFilter();
    if (check) await client.query(CLAIMS.create);
    let chunk = 0;
    for await (const plan of planChunks(plans)) {
      chunk++;
      if (check) {
        const problems = check(plan, { ...(await storedIds(client, plan)), earlierClaims: await recordClaims(client, plan, chunk, seen) });
        if (problems.length > 0) throw new SeedConflictError(problems);
      }
      await upsert(UPSERTS.partners, plan.partners, (p) => [p.tenantId, p.displayName, p.domain]);
      await upsert(UPSERTS.principals, plan.principals, (p) => [
        p.objectId, p.tenantId, p.kind, p.displayName, p.userPrincipalName, p.userPrincipalName?.toLowerCase() ?? null, p.clientId, p.mfaRegistered, p.credentialHash,
        JSON.stringify(p.redirectUris), p.publicClient, p.accountEnabled, JSON.stringify(p.appPermissions),
      ]);
      await upsert(UPSERTS.groups, plan.groups, (g) => [g.groupId, g.tenantId, g.displayName, g.agentRole]);
      for (let start = 0; start < plan.memberOf.length; start += BATCH_ROWS) {
        const members = plan.memberOf.slice(start, start + BATCH_ROWS);
        const pairs = members.flatMap((m) => m.groupIds.map((groupId) => [m.memberId, groupId, m.memberKind] as const));
        const removed = await client.query(MEMBERSHIPS.removeOthers, [members.map((m) => m.memberId), pairs.map((p) => p[0]), pairs.map((p) => p[1])]);
        const added = await client.query(MEMBERSHIPS.add, [pairs.map((p) => p[0]), pairs.map((p) => p[1]), pairs.map((p) => p[2])]);
        summary.updated += removed.rowCount ?? 0;
        summary.inserted += added.rowCount ?? 0;
        summary.unchanged += pairs.length - (added.rowCount ?? 0);
      }
      await upsert(UPSERTS.customers, plan.customers, (c) => {
        const o = c.organization;
        return [c.tenantId, o.street, o.countryLetterCode, o.postalCode, o.city, o.state, o.displayName, JSON.stringify(o.technicalNotificationMails), c.organizationOwner];
      });
      await upsert(UPSERTS.customerUsers, plan.customerUsers, (u) => [
        u.objectId, u.tenantId, u.userPrincipalName, u.userPrincipalName.toLowerCase(), u.displayName, u.credentialHash, JSON.stringify(u.directoryRoleIds),
      ]);
      await upsert(UPSERTS.partnerCustomers, plan.partnerCustomers, (pc) => [pc.partnerTenantId, pc.customerTenantId, pc.displayName, pc.dapEnabled]);
      await upsert(UPSERTS.relationships, plan.relationships, (r) => [
        r.id, r.partnerTenantId, r.customerTenantId, r.displayName, r.status, JSON.stringify(r.roleIds), r.duration, r.autoExtendDuration,
        r.createdDateTime.value, r.createdDateTime.source, r.activatedDateTime?.value ?? null, r.activatedDateTime?.source ?? null,
        r.endDateTime?.value ?? null, r.endDateTime?.source ?? null,
      ]);
      if (plan.relationships.length > 0) {
        const removed = await client.query(MEMBERSHIPS.removeOtherAssignments, [plan.relationships.map((r) => r.id), plan.assignments.map((a) => a.id)]);
        summary.updated += removed.rowCount ?? 0;
      }
      await upsert(UPSERTS.assignments, plan.assignments, (a) => [a.id, a.relationshipId, a.groupId, a.status, JSON.stringify(a.roleIds)]);
      await upsert(UPSERTS.consents, plan.consents, (c) => [c.tenantId, c.clientId, c.principalObjectId, JSON.stringify(c.scopes), c.grantedAtMs]);
    }
    await client.query(changeNotice);
    await client.query('COMMIT');
    return summary;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    const { code, constraint } = error as { code?: string; constraint?: string };
    if (code === '23505' || code === '23503' || code === '23514') throw new SeedConflictError(describeConstraint(`${constraint ?? ''} ${(error as Error).message}`));
    throw error;
  }
}

/** Records a chunk's claims; returns those an earlier chunk of the import made, with the earlier origin. */
async function recordClaims(client: pg.PoolClient, plan: SeedPlan, chunk: number, seen: ClaimFilter): Promise<Map<string, string>> {
  if (plan.claims.length === 0) return new Map();
  const keys = plan.claims.map((claim) => claim.key);
  const suspects = seen.addAll(keys);
  await client.query(CLAIMS.add, [keys, plan.claims.map((claim) => claim.origin), chunk]);
  if (suspects.length === 0) return new Map();
  const earlier = (await client.query<Row>(CLAIMS.earlier, [suspects, chunk])).rows;
  return new Map(earlier.map((row) => [row.key as string, row.origin as string]));
}

/** What the store holds for a chunk's ids and names, inside the import's transaction (so earlier chunks count). */
async function storedIds(client: pg.PoolClient, plan: SeedPlan): Promise<Omit<StoredIds, 'earlierClaims'>> {
  const ids = lookupsOf(plan);
  const rows = async (sql: string, values: unknown[][]) => (values[0]!.length === 0 ? [] : (await client.query<Row>(sql, values)).rows);
  const pairs = (list: [string, string][]) => [list.map((pair) => pair[0]), list.map((pair) => pair[1])];
  return toStoredIds({
    objects: await rows(IMPORT_LOOKUPS.objects, [ids.objects]),
    userNames: await rows(IMPORT_LOOKUPS.userNames, pairs(ids.userNames)),
    clientIds: await rows(IMPORT_LOOKUPS.clientIds, pairs(ids.clientIds)),
    domains: await rows(IMPORT_LOOKUPS.domains, [ids.domains]),
    relationships: await rows(IMPORT_LOOKUPS.relationships, [ids.relationships]),
    assignments: await rows(IMPORT_LOOKUPS.assignments, [ids.assignments]),
    customers: await rows(IMPORT_LOOKUPS.customers, [ids.customers]),
    partners: await rows(IMPORT_LOOKUPS.partners, [ids.partners]),
  });
}
