/**
 * The import-conflict part of the store contract, run by storeContract on every backend. With
 * `{ check: importConflicts }` a store reads, inside the import's transaction, what it holds for each
 * chunk's ids and names (committed rows and rows of earlier chunks), records the chunk's claims, and
 * hands both to the check; any problem aborts the whole import and changes nothing.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import Database from 'better-sqlite3';
import pg from 'pg';
import { importConflicts } from '../../src/seed/import-conflicts.js';
import type { SeedDocument } from '../../src/seed/seed-document.js';
import type { SeedPlan } from '../../src/seed/seed-plan.js';
import { loadMigrations } from '../../src/store/migrations.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { SeedConflictError, type Store } from '../../src/store/store.js';
import { DEMO } from '../helpers/demo-ids.js';
import { databaseUrl } from '../helpers/postgres.js';
// A cycle (store-contract.ts runs this suite): only functions are taken from it, used once both are loaded.
import { demoDocument, demoStore, dumpTables, planFor, planIndex, type OpenStore } from './store-contract.js';

const NEWCOMER = '7b3e9f1c-2a4d-4e5f-8c6b-0d1e2f3a4b5c';
const NEWCOMER_CUSTOMER = '8c4f0a2d-3b5e-4f60-9d7c-1e2f3a4b5c6d';
const checked = { check: importConflicts };
const timeout = { timeout: 60_000 };

async function* chunks(...plans: SeedPlan[]): AsyncIterable<SeedPlan> {
  for (const plan of plans) yield plan;
}

/** The SeedConflictError's problems; fails the test if the import did not throw one. */
async function conflicts(importing: Promise<unknown>): Promise<string[]> {
  const error = await importing.then(() => undefined, (caught: unknown) => caught);
  assert.ok(error instanceof SeedConflictError, `expected a SeedConflictError, got ${error instanceof Error ? `${error.name}: ${error.message}` : 'success'}`);
  return error.problems;
}

/** Asserts one problem is at `place` and mentions every part. */
function assertProblem(problems: string[], place: string, ...parts: string[]): void {
  const found = problems.find((problem) => problem.startsWith(`${place}: `) && parts.every((part) => problem.includes(part)));
  assert.ok(found, `no problem at ${place} mentioning ${parts.join(' | ')} among:\n  ${problems.join('\n  ')}`);
}

const FABRIKAM = `"Fabrikam" (${DEMO.fabrikam})`;
const NEWCOMER_LABEL = `"Newcomer" (${NEWCOMER})`;

/** Runs SQL through a connection of its own (the store's database, not the store). */
async function execRaw(store: Store, sql: string): Promise<void> {
  if (store instanceof SqliteStore) {
    const db = new Database(store.file);
    try {
      db.exec(sql);
    } finally {
      db.close();
    }
    return;
  }
  if (store instanceof PostgresStore) {
    const client = new pg.Client({ connectionString: databaseUrl(decodeURIComponent(new URL(store.location).pathname.slice(1))) });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
    return;
  }
  throw new Error(`the contract does not know how to reach ${store.constructor.name}'s database`);
}

export function importConflictContract(open: OpenStore): void {
  describe('import conflicts: ids belong to their partner', () => {
    test("a newcomer reusing Fabrikam's ids and domain and changing Contoso's organization is refused, every conflict named at once; nothing changes", timeout, async (t) => {
      const { store, plan } = await demoStore(open, t);
      const before = await dumpTables(store);
      const index = planIndex(plan);
      const admin = index.principal(DEMO.fabrikam, 'admin@fabrikam.example').objectId;
      const automation = index.principal(DEMO.fabrikam, DEMO.fabrikamAutomation).objectId;
      const readers = index.group(DEMO.fabrikam, 'GDAP Readers').groupId;
      const adminAgents = index.group(DEMO.fabrikam, 'AdminAgents').groupId;
      const contosoReaders = index.relationship('Contoso readers');
      const assignment = index.assignmentsOf(contosoReaders.id)[0]!.id;
      const takeover: SeedDocument = { partners: [{
        tenantId: NEWCOMER, displayName: 'Newcomer', domain: 'FABRIKAM.example',
        securityGroups: [{ id: readers, displayName: 'Readers' }, { id: adminAgents, displayName: 'Admins' }],
        users: [{ id: admin, userPrincipalName: 'boss@newcomer.example' }],
        applications: [{ clientId: '0f1e2d3c-4b5a-4697-8877-665544332211', objectId: automation, displayName: 'Mine now' }],
        customers: [{
          tenantId: DEMO.contoso, displayName: 'Contoso', organization: { city: 'Lisbon', countryLetterCode: 'PT' },
          gdapRelationships: [{
            id: contosoReaders.id, displayName: 'Taken', status: 'active', roles: ['Global Reader'],
            accessAssignments: [{ id: assignment, securityGroup: 'Readers', roles: ['Global Reader'] }],
          }],
        }],
      }] };
      const problems = await conflicts(store.importSeed(await planFor(store, takeover), checked));
      assertProblem(problems, '$.partners[0].domain', '"fabrikam.example"', `already belongs to partner ${FABRIKAM}`);
      assertProblem(problems, '$.partners[0].users[0].id', `object id ${admin}`, 'user "admin@fabrikam.example"', FABRIKAM, NEWCOMER_LABEL, 'cannot take it over');
      assertProblem(problems, '$.partners[0].applications[0].objectId', `object id ${automation}`, 'application "Fabrikam Automation"', FABRIKAM, NEWCOMER_LABEL);
      assertProblem(problems, '$.partners[0].securityGroups[0].id', `object id ${readers}`, 'security group "GDAP Readers"', FABRIKAM, NEWCOMER_LABEL);
      assertProblem(problems, '$.partners[0].securityGroups[1].id', `object id ${adminAgents}`, 'the AdminAgents group', FABRIKAM, NEWCOMER_LABEL);
      assertProblem(problems, '$.partners[0].customers[0].gdapRelationships[0].id', `relationship id ${contosoReaders.id}`, '"Contoso readers"', DEMO.contoso, FABRIKAM, NEWCOMER_LABEL);
      assertProblem(problems, '$.partners[0].customers[0].gdapRelationships[0].accessAssignments[0].id', `access assignment id ${assignment}`, '"Contoso readers"', FABRIKAM, NEWCOMER_LABEL);
      assertProblem(problems, '$.partners[0].customers[0].organization', `customer ${DEMO.contoso}`, `set by partner ${FABRIKAM}`, 'city: "Redmond" → "Lisbon"', NEWCOMER_LABEL, 'cannot change them');
      assert.equal(problems.length, 8, problems.join('\n'));
      assert.deepEqual(await dumpTables(store), before);
    });

    test('rows written by an earlier chunk of the same import count as stored: a later chunk cannot change them, and the whole import is undone', timeout, async (t) => {
      const store = await open(t);
      await store.init();
      const before = await dumpTables(store);
      const first = await planFor(store, { partners: [{ tenantId: NEWCOMER, displayName: 'Newcomer', customers: [{ tenantId: NEWCOMER_CUSTOMER, displayName: 'Shared', organization: { city: 'Lisbon' } }] }] });
      const second = await planFor(store, { partners: [{ tenantId: DEMO.adatum, displayName: 'Adatum', customers: [{ tenantId: NEWCOMER_CUSTOMER, displayName: 'Shared', organization: { city: 'Porto' } }] }] });
      const problems = await conflicts(store.importSeed(chunks(first, second), checked));
      assertProblem(problems, '$.partners[0].customers[0].organization', `set by partner ${NEWCOMER_LABEL}`, 'city: "Lisbon" → "Porto"', `"Adatum" (${DEMO.adatum})`);
      assert.deepEqual(await dumpTables(store), before);
      assert.equal(await store.isEmpty(), true);
      // With the same details the second partner serves the customer too.
      const same = await planFor(store, { partners: [{ tenantId: DEMO.adatum, displayName: 'Adatum', customers: [{ tenantId: NEWCOMER_CUSTOMER, displayName: 'Shared', organization: { city: 'Lisbon' } }] }] });
      await store.importSeed(chunks(first, same), checked);
      assert.equal((await store.organization(NEWCOMER_CUSTOMER))?.city, 'Lisbon');
    });

    test('a key claimed by two chunks of one import is refused with the earlier origin, and only as a duplicate; nothing changes', timeout, async (t) => {
      const store = await open(t);
      await store.init();
      const document: SeedDocument = { partners: [{
        tenantId: NEWCOMER, displayName: 'Newcomer', users: [{ userPrincipalName: 'boss@newcomer.example' }],
        customers: [{ tenantId: NEWCOMER_CUSTOMER, displayName: 'Customer', gdapRelationships: [{ displayName: 'Readers', status: 'active', roles: ['Global Reader'] }] }],
      }] };
      const [first, again] = [await planFor(store, document), await planFor(store, document)];
      // Origins as a streamed file gives them: the line of the first chunk.
      for (const claim of first.claims) claim.origin = 'line 1';
      const problems = await conflicts(store.importSeed(chunks(first, again), checked));
      for (const [place, what] of [['$.partners[0].tenantId', 'partner tenant id'], ['$.partners[0].users[0].userPrincipalName', 'userPrincipalName'],
        ['$.partners[0].users[0].id', 'object id'], ['$.partners[0].customers[0].tenantId', 'customer of this partner'],
        ['$.partners[0].customers[0].gdapRelationships[0].id', 'relationship id']]) {
        assertProblem(problems, place!, `duplicate ${what} (also at line 1)`);
      }
      assert.ok(!problems.some((problem) => problem.includes('in the store')), `a duplicate is reported only as such:\n  ${problems.join('\n  ')}`);
      assert.equal(await store.isEmpty(), true);
    });

    test('a chunk is applied as the check leaves it: emptied of rows, nothing of it is written, and its claims still count for later chunks', timeout, async (t) => {
      const store = await open(t);
      await store.init();
      const document: SeedDocument = { partners: [{ tenantId: NEWCOMER, displayName: 'Newcomer', users: [{ userPrincipalName: 'boss@newcomer.example' }] }] };
      const [first, again] = [await planFor(store, document), await planFor(store, document)];
      const seen: string[][] = [];
      // As pcapi seed checks a JSON Lines file with problems: each chunk is checked, and none is written.
      const emptying = (plan: SeedPlan, stored: Parameters<typeof importConflicts>[1]) => {
        seen.push(importConflicts(plan, stored));
        for (const rows of [plan.partners, plan.principals, plan.groups, plan.memberOf]) rows.length = 0;
        return [];
      };
      const summary = await store.importSeed(chunks(first, again), { check: emptying });
      assert.deepEqual([summary.inserted, summary.updated, summary.unchanged], [0, 0, 0]);
      assert.equal(await store.isEmpty(), true, 'nothing written');
      assert.deepEqual(seen[0], []);
      assert.ok(seen[1]!.includes('$.partners[0].tenantId: duplicate partner tenant id (also at $.partners[0].tenantId)'), seen[1]!.join('\n'));
    });

    test('within one partner an id keeps its kind and a relationship its customer; a moved name is free for another id', timeout, async (t) => {
      const { store, plan } = await demoStore(open, t);
      const before = await dumpTables(store);
      const index = planIndex(plan);
      const guest = index.principal(DEMO.fabrikam, 'guest@fabrikam.example').objectId;
      const contosoReaders = index.relationship('Contoso readers').id;
      const document = demoDocument();
      const fabrikam = document.partners[0]!;
      // guest@ stays in the store (this file leaves it out); a new group takes its id.
      fabrikam.users!.splice(3, 1);
      fabrikam.securityGroups!.push({ id: guest, displayName: 'Guests' });
      fabrikam.customers![0]!.gdapRelationships = [];
      fabrikam.customers![2]!.gdapRelationships![0]!.id = contosoReaders;
      // sales@ stays in the store under its own id; this file gives the name to a new id.
      fabrikam.users!.splice(1, 1);
      fabrikam.users!.push({ id: '0b9a4c62-3d0e-4f7c-9a51-6c2d8e1f4a70', userPrincipalName: 'SALES@fabrikam.example' });
      fabrikam.applications!.push({ clientId: DEMO.fabrikamReporting, objectId: '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d', displayName: 'Reporting Again' });
      fabrikam.applications!.splice(1, 1);
      const problems = await conflicts(store.importSeed(await planFor(store, document), checked));
      assertProblem(problems, '$.partners[0].securityGroups[4].id', `object id ${guest} is user "guest@fabrikam.example" of this partner in the store, and cannot become a group`);
      assertProblem(problems, '$.partners[0].customers[2].gdapRelationships[0].id', `relationship id ${contosoReaders}`, `customer ${DEMO.contoso} of this partner`, "a relationship's customer cannot change");
      assertProblem(problems, '$.partners[0].users[3].userPrincipalName', '"SALES@fabrikam.example" already belongs to another user id', FABRIKAM);
      assertProblem(problems, '$.partners[0].applications[1].clientId', `${DEMO.fabrikamReporting} already belongs to another object id`);
      assert.equal(problems.length, 4, problems.join('\n'));
      assert.deepEqual(await dumpTables(store), before);

      // A user name the same plan takes from its holder is free for another id.
      const renamed = demoDocument();
      const sales = renamed.partners[0]!.users!.find((u) => u.userPrincipalName === 'sales@fabrikam.example')!;
      Object.assign(sales, { id: index.principal(DEMO.fabrikam, 'sales@fabrikam.example').objectId, userPrincipalName: 'sales.old@fabrikam.example' });
      renamed.partners[0]!.users!.push({ id: '0b9a4c62-3d0e-4f7c-9a51-6c2d8e1f4a70', userPrincipalName: 'sales@fabrikam.example' });
      await store.importSeed(await planFor(store, renamed), checked);
      assert.equal((await store.findUserByName(DEMO.fabrikam, 'sales@fabrikam.example'))?.objectId, '0b9a4c62-3d0e-4f7c-9a51-6c2d8e1f4a70');
    });

    test("a customer's organization belongs to the partner that set it: others serve it with the same details, its own partner changes it for all", timeout, async (t) => {
      const { store } = await demoStore(open, t);
      const contoso = demoDocument().partners[0]!.customers![0]!;
      const adatumServes = (organization: typeof contoso.organization): SeedDocument => ({ partners: [{
        tenantId: DEMO.adatum, displayName: 'Adatum', domain: 'adatum.example', customers: [{ tenantId: DEMO.contoso, displayName: 'Contoso (Adatum)', organization }],
      }] });
      const before = await dumpTables(store);
      const problems = await conflicts(store.importSeed(await planFor(store, adatumServes({ ...contoso.organization, street: '2 Other Way' })), checked));
      assertProblem(problems, '$.partners[0].customers[0].organization', `set by partner ${FABRIKAM}`, 'street: "1 Microsoft Way" → "2 Other Way"', `"Adatum" (${DEMO.adatum})`);
      assert.deepEqual(await dumpTables(store), before);

      assert.deepEqual(await store.importSeed(await planFor(store, adatumServes(contoso.organization)), checked), { inserted: 1, updated: 0, unchanged: 5 });
      const moved = demoDocument();
      moved.partners[0]!.customers![0]!.organization!.street = '2 Other Way';
      const summary = await store.importSeed(await planFor(store, moved), checked);
      assert.equal(summary.updated, 1);
      assert.equal((await store.organization(DEMO.contoso))?.street, '2 Other Way');
      // Adatum's old file now disagrees with the details Fabrikam set.
      await conflicts(store.importSeed(await planFor(store, adatumServes(contoso.organization)), checked));
    });

    test('a database migrated before organization owners existed takes each customer\'s first partner (by id) as its owner', timeout, async (t) => {
      const store = await open(t);
      const dialect = store instanceof PostgresStore ? 'postgres' : 'sqlite';
      const migrations = loadMigrations(dialect).filter((m) => m.version <= 2);
      const stamp = dialect === 'postgres' ? 'now()' : "'2026-01-01T00:00:00.000Z'";
      await execRaw(store, [
        `CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at ${dialect === 'postgres' ? 'timestamptz' : 'text'} NOT NULL);`,
        ...migrations.map((m) => `${m.doSql};\nINSERT INTO schema_migrations (version, name, applied_at) VALUES (${m.version}, '${m.name}', ${stamp});`),
        `INSERT INTO partner_tenants (tenant_id, display_name) VALUES ('${DEMO.fabrikam}', 'Fabrikam'), ('${DEMO.adatum}', 'Adatum');`,
        `INSERT INTO customer_tenants (tenant_id, city) VALUES ('${DEMO.contoso}', 'Redmond'), ('${DEMO.litware}', 'Ottawa');`,
        `INSERT INTO partner_customers (partner_tenant_id, customer_tenant_id, display_name) VALUES
           ('${DEMO.fabrikam}', '${DEMO.contoso}', 'Contoso'), ('${DEMO.adatum}', '${DEMO.contoso}', 'Contoso'), ('${DEMO.fabrikam}', '${DEMO.litware}', 'Litware');`,
      ].join('\n'));
      await store.init();
      const owners = Object.fromEntries((await dumpTables(store)).customer_tenants!.map((row) => JSON.parse(row) as { tenant_id: string; organization_owner_tenant_id: string })
        .map((row) => [row.tenant_id, row.organization_owner_tenant_id]));
      // Adatum's id sorts before Fabrikam's.
      assert.deepEqual(owners, { [DEMO.contoso]: DEMO.adatum, [DEMO.litware]: DEMO.fabrikam });
    });
  });
}
