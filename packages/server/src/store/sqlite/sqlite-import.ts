/**
 * A seed import into the SQLite store, in one transaction on the connection it is given: chunk by
 * chunk, each checked against what the store and the earlier chunks hold (ids belong to their
 * partner), then written as upserts that count what they inserted, changed and left alone.
 */
import type Database from 'better-sqlite3';
import type { StoredIds } from '../../seed/import-conflicts.js';
import type { SeedPlan } from '../../seed/seed-plan.js';
import { ClaimFilter } from '../claim-filter.js';
import { RESET_SQL } from '../gdap-sql.js';
import { describeConstraint, lookupsOf, planChunks, toStoredIds, type Row } from '../rows.js';
import { SeedConflictError, type ImportOptions, type ImportSummary } from '../store.js';
import { CHANGE_COUNTER_SQL, CLAIMS_TABLE_SQL, IMPORT_LOOKUP_SQL, prepareAll, WRITE_SQL, type Statements } from './sqlite-statements.js';

/** Imports `plans` in one transaction on `writer`; nothing is written unless every chunk is. */
export async function importInTransaction(writer: Database.Database, plans: SeedPlan | AsyncIterable<SeedPlan>, { check, replace }: ImportOptions): Promise<ImportSummary> {
  const summary: ImportSummary = { inserted: 0, updated: 0, unchanged: 0 };
  const statements = prepareAll(writer, WRITE_SQL);
  writer.exec('BEGIN IMMEDIATE');
  try {
    let lookups: Statements<typeof IMPORT_LOOKUP_SQL> | undefined;
    const seen = new ClaimFilter();
    if (check) {
      writer.exec(CLAIMS_TABLE_SQL.create);
      lookups = prepareAll(writer, IMPORT_LOOKUP_SQL);
    }
    if (replace) for (const sql of RESET_SQL) writer.exec(sql);
    let chunk = 0;
    for await (const plan of planChunks(plans)) {
      chunk++;
      if (check && lookups) {
        const problems = check(plan, { ...storedIds(plan, lookups), earlierClaims: recordClaims(plan, chunk, seen, lookups) });
        if (problems.length > 0) throw new SeedConflictError(problems);
      }
      applyPlan(plan, summary, statements);
    }
    // Other processes drop their caches only for an import that changed something.
    if (replace || summary.inserted + summary.updated > 0) writer.prepare(CHANGE_COUNTER_SQL.bump).run();
    writer.exec('COMMIT');
  } catch (error) {
    if (writer.inTransaction) writer.exec('ROLLBACK');
    const code = (error as { code?: string }).code ?? '';
    if (code.startsWith('SQLITE_CONSTRAINT')) throw new SeedConflictError(describeConstraint((error as Error).message));
    throw error;
  } finally {
    if (check) writer.exec(CLAIMS_TABLE_SQL.drop);
  }
  return summary;
}

/** Records a chunk's claims; returns those an earlier chunk of the import made, with the earlier origin. */
function recordClaims(plan: SeedPlan, chunk: number, seen: ClaimFilter, s: Statements<typeof IMPORT_LOOKUP_SQL>): Map<string, string> {
  if (plan.claims.length === 0) return new Map();
  const suspects = seen.addAll(plan.claims.map((claim) => claim.key));
  s.addClaims.run({ chunk, claims: JSON.stringify(plan.claims.map((claim) => [claim.key, claim.origin])) });
  if (suspects.length === 0) return new Map();
  const earlier = s.earlierClaims.all({ chunk, keys: JSON.stringify(suspects) }) as Row[];
  return new Map(earlier.map((row) => [row.key as string, row.origin as string]));
}

/** What the store holds for a chunk's ids and names, on the import's connection (so earlier chunks count). */
function storedIds(plan: SeedPlan, s: Statements<typeof IMPORT_LOOKUP_SQL>): Omit<StoredIds, 'earlierClaims'> {
  const ids = lookupsOf(plan);
  const all = (statement: Database.Statement, values: unknown[]) => (values.length === 0 ? [] : (statement.all(JSON.stringify(values)) as Row[]));
  return toStoredIds({
    objects: ids.objects.length === 0 ? [] : (s.objects.all({ ids: JSON.stringify(ids.objects) }) as Row[]),
    userNames: all(s.userNames, ids.userNames),
    clientIds: all(s.clientIds, ids.clientIds),
    domains: all(s.domains, ids.domains),
    relationships: all(s.relationships, ids.relationships),
    assignments: all(s.assignments, ids.assignments),
    customers: all(s.customers, ids.customers),
    partners: all(s.partners, ids.partners),
  });
}

function applyPlan(plan: SeedPlan, summary: ImportSummary, s: Statements<typeof WRITE_SQL>): void {
  /** Runs an existence probe then an upsert whose WHERE skips identical rows, and counts the outcome. */
  const upsert = (exists: Database.Statement, key: unknown[], write: Database.Statement, values: unknown[]) => {
    const existed = exists.get(...key) !== undefined;
    const changed = write.run(...values).changes > 0;
    if (!existed) summary.inserted++;
    else if (changed) summary.updated++;
    else summary.unchanged++;
  };
  for (const p of plan.partners) upsert(s.partnerExists, [p.tenantId], s.upsertPartner, [p.tenantId, p.displayName, p.domain]);
  for (const p of plan.principals) {
    upsert(s.principalExists, [p.objectId], s.upsertPrincipal, [
      p.objectId, p.tenantId, p.kind, p.displayName, p.userPrincipalName, p.userPrincipalName?.toLowerCase() ?? null, p.clientId, p.mfaRegistered ? 1 : 0, p.credentialHash,
      JSON.stringify(p.redirectUris), p.publicClient ? 1 : 0, p.accountEnabled ? 1 : 0, JSON.stringify(p.appPermissions),
    ]);
  }
  for (const g of plan.groups) upsert(s.groupExists, [g.groupId], s.upsertGroup, [g.groupId, g.tenantId, g.displayName, g.agentRole]);
  for (const m of plan.memberOf) {
    const removed = s.removeOtherMemberships.run(m.memberId, JSON.stringify(m.groupIds)).changes;
    let added = 0;
    for (const groupId of m.groupIds) added += s.addMembership.run(groupId, m.memberId, m.memberKind).changes;
    summary.updated += removed;
    summary.inserted += added;
    summary.unchanged += m.groupIds.length - added;
  }
  for (const c of plan.customers) {
    const o = c.organization;
    upsert(s.customerExists, [c.tenantId], s.upsertCustomer, [
      c.tenantId, o.street, o.countryLetterCode, o.postalCode, o.city, o.state, o.displayName, JSON.stringify(o.technicalNotificationMails), c.organizationOwner,
    ]);
  }
  for (const u of plan.customerUsers) {
    upsert(s.customerUserExists, [u.objectId], s.upsertCustomerUser, [
      u.objectId, u.tenantId, u.userPrincipalName, u.userPrincipalName.toLowerCase(), u.displayName, u.credentialHash, JSON.stringify(u.directoryRoleIds),
    ]);
  }
  for (const pc of plan.partnerCustomers) {
    upsert(s.partnerCustomerExists, [pc.partnerTenantId, pc.customerTenantId], s.upsertPartnerCustomer, [
      pc.partnerTenantId, pc.customerTenantId, pc.displayName, pc.dapEnabled ? 1 : 0,
    ]);
  }
  for (const r of plan.relationships) {
    upsert(s.relationshipExists, [r.id], s.upsertRelationship, [
      r.id, r.partnerTenantId, r.customerTenantId, r.displayName, r.status, JSON.stringify(r.roleIds), r.duration, r.autoExtendDuration,
      r.createdDateTime.value, r.createdDateTime.source, r.activatedDateTime?.value ?? null, r.activatedDateTime?.source ?? null,
      r.endDateTime?.value ?? null, r.endDateTime?.source ?? null,
    ]);
  }
  if (plan.relationships.length > 0) {
    summary.updated += s.removeOtherAssignments.run({
      relationships: JSON.stringify(plan.relationships.map((r) => r.id)),
      keep: JSON.stringify(plan.assignments.map((a) => a.id)),
    }).changes;
  }
  for (const a of plan.assignments) {
    upsert(s.assignmentExists, [a.id], s.upsertAssignment, [a.id, a.relationshipId, a.groupId, a.status, JSON.stringify(a.roleIds)]);
  }
  for (const c of plan.consents) {
    const key = [c.tenantId, c.clientId, c.principalObjectId];
    upsert(s.consentExists, key, s.upsertConsent, [...key, JSON.stringify(c.scopes), c.grantedAtMs]);
  }
}
