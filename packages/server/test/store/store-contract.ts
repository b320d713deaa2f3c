/**
 * The store contract: one suite, run against every Store implementation (sqlite-store.integration.test.ts,
 * postgres-store.integration.test.ts). Both backends must pass every test here unchanged; a behaviour that
 * differs between them is a bug in one of them.
 *
 * `open(t)` must return a fresh, NOT yet initialized store on a new, empty database, and remove that
 * database after the test. The suite reaches the same database through a second connection (to dump
 * every table, or to open a second store) by looking at the store it was given (SqliteStore.file,
 * PostgresStore.location), so no backend needs extra hooks.
 */
import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import Database from 'better-sqlite3';
import pg from 'pg';
import { ENTRA_ROLES } from '@pcapi/contracts';
import type { AccessFacts, Principal } from '../../src/domain/model.js';
import { DEMO_SEED_FILE } from '../../src/seed/import-seed.js';
import { importConflicts } from '../../src/seed/import-conflicts.js';
import { agentGroupId, planSeed } from '../../src/seed/plan-seed.js';
import type { SeedDocument } from '../../src/seed/seed-document.js';
import type { SeedPlan } from '../../src/seed/seed-plan.js';
import { parseSeedText, readSeedFile } from '../../src/seed/validate-seed.js';
import { loadMigrations } from '../../src/store/migrations.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { SeedConflictError, type ImportSummary, type Store, type StoredConsent, type StoredGrant } from '../../src/store/store.js';
import { authorize } from '../../src/domain/authorize.js';
import { verifySecret } from '../../src/identity/secrets.js';
import { EXPORT_DESCRIPTION, exportSeed } from '../../src/seed/export-seed.js';
import { databaseUrl } from '../helpers/postgres.js';
import { importConflictContract } from './import-conflict-contract.js';
import { DEMO } from '../helpers/demo-ids.js';

export type OpenStore = (t: TestContext) => Promise<Store>;

export const NOW = new Date('2026-03-01T12:00:00.000Z');
export const LATER = new Date('2026-09-01T12:00:00.000Z');
const DAY = 86_400_000;
const ago = (days: number) => new Date(NOW.getTime() - days * DAY).toISOString();

export { DEMO };
export const DEMO_CUSTOMERS = [DEMO.contoso, DEMO.northwind, DEMO.tailspin, DEMO.woodgrove, DEMO.relecloud, DEMO.litware];
export const NEVER_EXISTED = 'deadbeef-0000-4000-8000-00000000f00d';
const GLOBAL_READER = ENTRA_ROLES['Global Reader']!;
const GLOBAL_ADMINISTRATOR = ENTRA_ROLES['Global Administrator']!;

/** Rows per demo table after a first import: 2 partners, 9 principals, 11 groups, 18 memberships, 6 customers, 2 customer users, 6 partner-customer links, 5 relationships, 5 assignments. */
export const DEMO_ROWS = 2 + 9 + 11 + 18 + 6 + 2 + 6 + 5 + 5;
const DATA_TABLES = ['access_assignments', 'customer_tenants', 'customer_users', 'gdap_relationships', 'group_members', 'groups', 'partner_customers', 'partner_tenants', 'principals'];

// ---------------------------------------------------------------------------------------------
// Helpers shared with the backend files.

/** A deep copy of the demo seed document, to change freely. */
export function demoDocument(): SeedDocument {
  return structuredClone(readSeedFile(DEMO_SEED_FILE));
}

/** Schema-checks a (possibly hand-edited) document and plans it against the store, as `pcapi seed` does. */
export async function planFor(store: Store, document: SeedDocument, now = NOW): Promise<SeedPlan> {
  const checked = parseSeedText(JSON.stringify(document), 'contract-test.json');
  return planSeed(checked, { now, source: 'contract-test.json', existing: store });
}

/** Plans and imports a document with the conflict rules, as `pcapi seed` does. */
export async function importDocument(store: Store, document: SeedDocument, now = NOW): Promise<ImportSummary> {
  return store.importSeed(await planFor(store, document, now), { check: importConflicts });
}

/** A fresh store, initialized, with the demo seed imported; returns the plan that was imported. */
export async function demoStore(open: OpenStore, t: TestContext): Promise<{ store: Store; plan: SeedPlan }> {
  const store = await open(t);
  await store.init();
  const plan = await planFor(store, demoDocument());
  await store.importSeed(plan);
  return { store, plan };
}

function postgresDatabaseName(store: PostgresStore): string {
  return decodeURIComponent(new URL(store.location).pathname.slice(1));
}

/** A second, not yet initialized store on the same database as `store`. */
export function reopen(store: Store): Store {
  if (store instanceof SqliteStore) return new SqliteStore(store.file);
  if (store instanceof PostgresStore) return new PostgresStore(databaseUrl(postgresDatabaseName(store)));
  throw new Error(`the store contract does not know how to reopen ${store.constructor.name}`);
}

export type Dump = Record<string, string[]>;

/** The migration versions this pcapi knows for the store's dialect, ascending. */
export function knownMigrationVersions(store: Store): number[] {
  const dialect = store instanceof PostgresStore ? 'postgres' : 'sqlite';
  return loadMigrations(dialect).map((m) => m.version);
}

/** The versions recorded in schema_migrations, ascending: each applied exactly once. */
export function recordedMigrationVersions(dump: Dump): number[] {
  return (dump.schema_migrations ?? []).map((row) => (JSON.parse(row) as { version: number }).version).sort((a, b) => a - b);
}

/** Every row of every table (rows as JSON, sorted), read through a separate connection. */
export async function dumpTables(store: Store): Promise<Dump> {
  if (store instanceof SqliteStore) {
    const db = new Database(store.file, { readonly: true, fileMustExist: true });
    try {
      const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[];
      return Object.fromEntries(tables.map(({ name }) => [name, (db.prepare(`SELECT * FROM "${name}"`).all() as object[]).map((row) => JSON.stringify(row)).sort()]));
    } finally {
      db.close();
    }
  }
  if (store instanceof PostgresStore) {
    const client = new pg.Client({ connectionString: databaseUrl(postgresDatabaseName(store)), connectionTimeoutMillis: 5000 });
    await client.connect();
    try {
      const tables = (await client.query<{ name: string }>(
        "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name",
      )).rows;
      const dump: Dump = {};
      for (const { name } of tables) dump[name] = (await client.query(`SELECT * FROM "${name}"`)).rows.map((row) => JSON.stringify(row)).sort();
      return dump;
    } finally {
      await client.end();
    }
  }
  throw new Error(`the store contract does not know how to dump ${store.constructor.name}`);
}

/** Row counts of the data tables. */
function counts(dump: Dump): Record<string, number> {
  return Object.fromEntries(DATA_TABLES.map((table) => [table, dump[table]?.length ?? -1]));
}

/** Only the Principal fields accessFacts reads (it hands the domain a Principal; the sign-in fields keep their defaults there). */
function principalFields(principal: Principal | undefined): Omit<Principal, 'accountEnabled' | 'redirectUris' | 'publicClient' | 'appPermissions'> | undefined {
  if (!principal) return undefined;
  const { tenantId, objectId, kind, displayName, userPrincipalName, clientId, mfaRegistered } = principal;
  return { tenantId, objectId, kind, displayName, userPrincipalName, clientId, mfaRegistered };
}

/** Lookups into a plan by the names a seed author uses. */
export function planIndex(plan: SeedPlan) {
  const principal = (tenantId: string, name: string) => {
    const found = plan.principals.find((p) => p.tenantId === tenantId && (p.userPrincipalName === name || p.clientId === name));
    assert.ok(found, `no principal ${name} in the plan`);
    return found;
  };
  const group = (tenantId: string, displayName: string) => {
    const found = plan.groups.find((g) => g.tenantId === tenantId && g.displayName === displayName);
    assert.ok(found, `no group ${displayName} in the plan`);
    return found;
  };
  const relationship = (displayName: string) => {
    const found = plan.relationships.find((r) => r.displayName === displayName);
    assert.ok(found, `no relationship ${displayName} in the plan`);
    return found;
  };
  const assignmentsOf = (relationshipId: string) => plan.assignments.filter((a) => a.relationshipId === relationshipId);
  return { principal, group, relationship, assignmentsOf };
}

const facts = (store: Store, partnerTenantId: string, principalObjectId: string, customerTenantId: string, maxGroupDepth = 1) =>
  store.accessFacts({ partnerTenantId, principalObjectId, customerTenantId, maxGroupDepth });

/** [name, depth] pairs, by depth then name (the interface does not promise an order). */
const membershipsOf = (result: AccessFacts) =>
  result.memberships.map((m) => [m.displayName, m.depth] as [string, number]).sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));

const users = (document: SeedDocument, partner: number) => document.partners[partner]!.users!;
const user = (document: SeedDocument, upn: string) => {
  const found = document.partners.flatMap((p) => p.users ?? []).find((u) => u.userPrincipalName === upn);
  assert.ok(found, `no user ${upn} in the document`);
  return found;
};
const relationshipIn = (document: SeedDocument, displayName: string) => {
  const found = document.partners.flatMap((p) => p.customers ?? []).flatMap((c) => c.gdapRelationships ?? []).find((r) => r.displayName === displayName);
  assert.ok(found, `no relationship ${displayName} in the document`);
  return found;
};

/** The nested-group fixture: a chain Inner → Middle → Outer, a cycle A ⇄ B, and a shortcut. */
export function nestedGroupsDocument(): SeedDocument {
  return {
    partners: [{
      tenantId: DEMO.fabrikam, displayName: 'Fabrikam', domain: 'fabrikam.example',
      securityGroups: [
        { displayName: 'Inner', memberOf: ['Middle'] },
        { displayName: 'Middle', memberOf: ['Outer'] },
        { displayName: 'Outer' },
        { displayName: 'Cycle A', memberOf: ['Cycle B'] },
        { displayName: 'Cycle B', memberOf: ['Cycle A'] },
      ],
      users: [
        { userPrincipalName: 'nested@fabrikam.example', agentRoles: ['AdminAgents'], memberOf: ['Inner', 'Cycle A'] },
        { userPrincipalName: 'shortcut@fabrikam.example', memberOf: ['Inner', 'Outer'] },
        { userPrincipalName: 'loner@fabrikam.example' },
      ],
      applications: [{ clientId: '3f0c2a1b-4d5e-4f60-8a7b-9c0d1e2f3a4b', displayName: 'Nested App', memberOf: ['Cycle B'] }],
      customers: [{
        tenantId: DEMO.contoso, displayName: 'Contoso',
        gdapRelationships: [{
          displayName: 'Outer readers', status: 'active', roles: ['Global Reader'], createdDateTime: '10 days ago',
          accessAssignments: [{ securityGroup: 'Outer', roles: ['Global Reader'] }, { securityGroup: 'Cycle B', roles: ['Global Reader'] }],
        }],
      }],
    }],
  };
}

/** A tenant id per index: 00000000-0000-4000-8000-<index in hex>. */
export const indexedGuid = (prefix: string, index: number) => `${prefix}-0000-4000-8000-${index.toString(16).padStart(12, '0')}`;

/**
 * A plan well above PostgreSQL's 5000-row batches: `customers` customers (each with organization),
 * `users` users each in one group, and a relationship with one assignment for the first `relationships` customers.
 */
export function largeDocument(options: { customers: number; users: number; relationships: number }): SeedDocument {
  return {
    partners: [{
      tenantId: '0b0b0b0b-0000-4000-8000-000000000001', displayName: 'Large Partner', domain: 'large.example',
      securityGroups: [{ displayName: 'Everyone' }],
      users: Array.from({ length: options.users }, (_, i) => ({ userPrincipalName: `user${i}@large.example`, memberOf: ['Everyone'], agentRoles: i % 2 ? ['AdminAgents' as const] : [] })),
      customers: Array.from({ length: options.customers }, (_, i) => ({
        tenantId: indexedGuid('c0c0c0c0', i), displayName: `Customer ${i}`, dap: i % 3 === 0,
        organization: { street: `${i} Main Street`, city: 'Springfield', countryLetterCode: 'US', technicalNotificationMails: [`it${i}@customer.example`] },
        gdapRelationships: i < options.relationships
          ? [{ displayName: `Relationship ${i}`, status: 'active' as const, roles: ['Global Reader'], createdDateTime: '2025-06-01T00:00:00Z',
              accessAssignments: [{ securityGroup: 'Everyone', roles: ['Global Reader'] }] }]
          : undefined,
      })),
    }],
  };
}

/** Rows a largeDocument plan writes: partner, principals, 3 agent groups + 1, memberships, customers, links, relationships, assignments. */
export function largeDocumentRows(options: { customers: number; users: number; relationships: number }): number {
  return 1 + options.users + 4 + (options.users + Math.floor(options.users / 2)) + 2 * options.customers + 2 * options.relationships;
}

const timeout = { timeout: 60_000 };

// ---------------------------------------------------------------------------------------------

export function storeContract(name: string, open: OpenStore): void {
  describe(`${name} store contract`, () => {
    describe('init', () => {
      test('init() on an empty database applies the migrations and yields an empty, readable store', timeout, async (t) => {
        const store = await open(t);
        await store.init();
        const dump = await dumpTables(store);
        for (const table of DATA_TABLES) assert.deepEqual(dump[table], [], `${table} exists and is empty`);
        assert.ok(knownMigrationVersions(store).includes(1));
        assert.deepEqual(recordedMigrationVersions(dump), knownMigrationVersions(store), 'every migration recorded once');
        assert.equal(await store.isEmpty(), true);
        assert.equal(await store.findPartnerTenant(DEMO.fabrikam), undefined);
        assert.equal(await store.isPartnerTenant(DEMO.fabrikam), false);
        assert.equal(await store.organization(DEMO.contoso), undefined);
        assert.deepEqual(await store.credentialHashes([]), new Map());
        assert.deepEqual(await store.relationshipDates([]), new Map());
        assert.deepEqual(await facts(store, DEMO.fabrikam, NEVER_EXISTED, DEMO.contoso), { principal: undefined, memberships: [], customer: undefined, relationships: [] });
      });

      test('init() twice, and init() of a second store on a migrated database, change nothing', timeout, async (t) => {
        const { store } = await demoStore(open, t);
        const before = await dumpTables(store);
        await store.init();
        assert.deepEqual(await dumpTables(store), before);
        const second = reopen(store);
        try {
          await second.init();
          await second.init();
          assert.deepEqual(await dumpTables(store), before);
          assert.equal((await second.findPartnerTenant(DEMO.fabrikam))?.displayName, 'Fabrikam');
        } finally {
          await second.close();
        }
        assert.equal((await store.findPartnerTenant(DEMO.adatum))?.displayName, 'Adatum', 'the first store still works');
      });

      test('stores opening the same empty database at once all succeed, and see each other\'s data', timeout, async (t) => {
        const first = await open(t);
        const others = [reopen(first), reopen(first), reopen(first)];
        try {
          const results = await Promise.allSettled([first, ...others].map((store) => store.init()));
          assert.deepEqual(results.map((r) => (r.status === 'rejected' ? String(r.reason) : 'ok')), ['ok', 'ok', 'ok', 'ok']);
          assert.deepEqual(recordedMigrationVersions(await dumpTables(first)), knownMigrationVersions(first), 'each migration applied once');
          assert.equal((await importDocument(others[0]!, demoDocument())).inserted, DEMO_ROWS);
          assert.equal((await first.findPartnerTenant('fabrikam.example'))?.tenantId, DEMO.fabrikam);
          assert.equal(await others[2]!.isEmpty(), false);
        } finally {
          for (const store of others) await store.close();
        }
      });
    });

    describe('lookups', () => {
      test('isEmpty is true until a partner is imported', timeout, async (t) => {
        const store = await open(t);
        await store.init();
        assert.equal(await store.isEmpty(), true);
        await importDocument(store, { partners: [{ tenantId: DEMO.adatum, displayName: 'Adatum' }] });
        assert.equal(await store.isEmpty(), false);
      });

      test('findPartnerTenant by id or domain, case-insensitively; isPartnerTenant', timeout, async (t) => {
        const { store } = await demoStore(open, t);
        const fabrikam = { tenantId: DEMO.fabrikam, displayName: 'Fabrikam', domain: 'fabrikam.example' };
        assert.deepEqual(await store.findPartnerTenant(DEMO.fabrikam), fabrikam);
        assert.deepEqual(await store.findPartnerTenant(DEMO.fabrikam.toUpperCase()), fabrikam);
        assert.deepEqual(await store.findPartnerTenant('fabrikam.example'), fabrikam);
        assert.deepEqual(await store.findPartnerTenant('FABRIKAM.Example'), fabrikam);
        assert.deepEqual(await store.findPartnerTenant('adatum.example'), { tenantId: DEMO.adatum, displayName: 'Adatum', domain: 'adatum.example' });
        assert.equal(await store.findPartnerTenant(DEMO.contoso), undefined, 'a customer is not a partner');
        assert.equal(await store.findPartnerTenant('contoso.example'), undefined);
        assert.equal(await store.findPartnerTenant(NEVER_EXISTED), undefined);
        assert.equal(await store.isPartnerTenant(DEMO.fabrikam), true);
        assert.equal(await store.isPartnerTenant(DEMO.adatum.toUpperCase()), true);
        assert.equal(await store.isPartnerTenant(DEMO.contoso), false);
        assert.equal(await store.isPartnerTenant(NEVER_EXISTED), false);
        assert.equal(await store.isPartnerTenant('fabrikam.example'), false, 'isPartnerTenant takes ids only');

        await importDocument(store, { partners: [{ tenantId: '7b3e9f1c-2a4d-4e5f-8c6b-0d1e2f3a4b5c', displayName: 'No Domain' }] });
        assert.deepEqual(await store.findPartnerTenant('7B3E9F1C-2A4D-4E5F-8C6B-0D1E2F3A4B5C'), { tenantId: '7b3e9f1c-2a4d-4e5f-8c6b-0d1e2f3a4b5c', displayName: 'No Domain', domain: null });
      });

      test('findUserByName: case-insensitive UPN, scoped to the tenant, users only', timeout, async (t) => {
        const { store, plan } = await demoStore(open, t);
        const row = planIndex(plan).principal(DEMO.fabrikam, 'admin@fabrikam.example');
        const expected = { ...row };
        assert.deepEqual(await store.findUserByName(DEMO.fabrikam, 'admin@fabrikam.example'), expected);
        assert.deepEqual(await store.findUserByName(DEMO.fabrikam, 'ADMIN@Fabrikam.EXAMPLE'), expected);
        assert.deepEqual(await store.findUserByName(DEMO.fabrikam.toUpperCase(), 'admin@fabrikam.example'), expected);
        assert.match(expected.credentialHash!, /^scrypt\$/);
        assert.equal(await store.findUserByName(DEMO.adatum, 'admin@fabrikam.example'), undefined, "another tenant's user");
        assert.equal(await store.findUserByName(DEMO.fabrikam, 'admin@adatum.example'), undefined, "another tenant's user");
        assert.equal(await store.findUserByName(DEMO.fabrikam, 'nobody@fabrikam.example'), undefined);
        assert.equal(await store.findUserByName(DEMO.fabrikam, 'Fabrikam Automation'), undefined, 'apps have no UPN');
        const nomfa = await store.findUserByName(DEMO.fabrikam, 'NoMfa@fabrikam.example');
        assert.deepEqual([nomfa?.kind, nomfa?.mfaRegistered, nomfa?.userPrincipalName, nomfa?.clientId], ['user', false, 'nomfa@fabrikam.example', null]);
      });

      test('findUserByName is case-insensitive for non-ASCII UPNs too (as the seed planner and the unique index treat them)', timeout, async (t) => {
        const store = await open(t);
        await store.init();
        await importDocument(store, { partners: [{ tenantId: DEMO.fabrikam, displayName: 'Fabrikam', users: [{ userPrincipalName: 'Åsa.Öberg@fabrikam.example' }] }] });
        const found = await store.findUserByName(DEMO.fabrikam, 'åsa.öberg@FABRIKAM.example');
        assert.equal(found?.userPrincipalName, 'Åsa.Öberg@fabrikam.example');
        assert.equal((await store.findUserByName(DEMO.fabrikam, 'ÅSA.ÖBERG@fabrikam.example'))?.objectId, found?.objectId);
      });

      test('findAppByClientId: case-insensitive client id, scoped to the tenant, apps only', timeout, async (t) => {
        const { store, plan } = await demoStore(open, t);
        const expected = { ...planIndex(plan).principal(DEMO.fabrikam, DEMO.fabrikamAutomation) };
        assert.equal(expected.kind, 'app');
        assert.deepEqual(await store.findAppByClientId(DEMO.fabrikam, DEMO.fabrikamAutomation), expected);
        assert.deepEqual(await store.findAppByClientId(DEMO.fabrikam.toUpperCase(), DEMO.fabrikamAutomation.toUpperCase()), expected);
        assert.deepEqual([expected.userPrincipalName, expected.clientId, expected.mfaRegistered], [null, DEMO.fabrikamAutomation, false]);
        assert.equal(await store.findAppByClientId(DEMO.adatum, DEMO.fabrikamAutomation), undefined, "another tenant's app");
        assert.equal(await store.findAppByClientId(DEMO.fabrikam, DEMO.adatumAutomation), undefined, "another tenant's app");
        assert.equal(await store.findAppByClientId(DEMO.fabrikam, NEVER_EXISTED), undefined);
        assert.equal(await store.findAppByClientId(DEMO.fabrikam, expected.objectId), undefined, 'an object id is not a client id');
      });

      test('partnersHoldingPrincipal: every tenant holding a client id or a user name, case-insensitive, by tenant id', timeout, async (t) => {
        const { store } = await demoStore(open, t);
        const fabrikam = await store.findPartnerTenant(DEMO.fabrikam);
        assert.deepEqual(await store.partnersHoldingPrincipal({ clientId: DEMO.fabrikamAutomation.toUpperCase() }), [fabrikam]);
        assert.deepEqual(await store.partnersHoldingPrincipal({ userPrincipalName: 'ADMIN@fabrikam.example' }), [fabrikam]);
        assert.deepEqual(await store.partnersHoldingPrincipal({ clientId: NEVER_EXISTED }), []);
        assert.deepEqual(await store.partnersHoldingPrincipal({ userPrincipalName: DEMO.fabrikamAutomation }), [], 'a client id is not a user name');
        // The same multi-tenant app, and a user name, registered in a second partner.
        const other = '0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9';
        await importDocument(store, { partners: [{ tenantId: other, displayName: 'Other', users: [{ userPrincipalName: 'admin@fabrikam.example' }],
          applications: [{ clientId: DEMO.fabrikamAutomation, displayName: 'Shared' }] }] });
        const both = [fabrikam, { tenantId: other, displayName: 'Other', domain: null }].sort((a, b) => (a!.tenantId < b!.tenantId ? -1 : 1));
        assert.deepEqual(await store.partnersHoldingPrincipal({ clientId: DEMO.fabrikamAutomation }), both);
        assert.deepEqual(await store.partnersHoldingPrincipal({ userPrincipalName: 'admin@fabrikam.example' }), both);
      });

      test('findPrincipal: users and apps by object id, scoped to the tenant; groups are not principals', timeout, async (t) => {
        const { store, plan } = await demoStore(open, t);
        const index = planIndex(plan);
        for (const row of plan.principals) {
          assert.deepEqual(await store.findPrincipal(row.tenantId, row.objectId), row, row.displayName);
          assert.deepEqual(await store.findPrincipal(row.tenantId.toUpperCase(), row.objectId.toUpperCase()), row, row.displayName);
          const other = row.tenantId === DEMO.fabrikam ? DEMO.adatum : DEMO.fabrikam;
          assert.equal(await store.findPrincipal(other, row.objectId), undefined, `${row.displayName} seen from the other partner`);
        }
        assert.equal(await store.findPrincipal(DEMO.fabrikam, index.group(DEMO.fabrikam, 'GDAP Readers').groupId), undefined);
        assert.equal(await store.findPrincipal(DEMO.fabrikam, NEVER_EXISTED), undefined);
      });

      test('credentialHashes returns stored hashes by object id, omitting unknown ids and principals without a secret', timeout, async (t) => {
        const { store, plan } = await demoStore(open, t);
        const admin = planIndex(plan).principal(DEMO.fabrikam, 'admin@fabrikam.example');
        const app = planIndex(plan).principal(DEMO.adatum, DEMO.adatumAutomation);
        assert.deepEqual(await store.credentialHashes([admin.objectId, app.objectId, NEVER_EXISTED]), new Map([
          [admin.objectId, admin.credentialHash!], [app.objectId, app.credentialHash!],
        ]));
        assert.equal((await store.credentialHashes(plan.principals.map((p) => p.objectId))).size, 9);
        assert.deepEqual(await store.credentialHashes([]), new Map());

        const document = demoDocument();
        delete user(document, 'guest@fabrikam.example').password;
        await importDocument(store, document);
        const guest = planIndex(plan).principal(DEMO.fabrikam, 'guest@fabrikam.example');
        assert.equal((await store.findPrincipal(DEMO.fabrikam, guest.objectId))?.credentialHash, null);
        assert.deepEqual(await store.credentialHashes([guest.objectId]), new Map());
      });

      test('relationshipDates returns the stored dates with the seed text each came from', timeout, async (t) => {
        const { store, plan } = await demoStore(open, t);
        const index = planIndex(plan);
        const contoso = index.relationship('Contoso readers').id;
        const relecloud = index.relationship('Relecloud readers').id;
        const tailspin = index.relationship('Tailspin admins').id;
        const dates = await store.relationshipDates([contoso, relecloud, tailspin, NEVER_EXISTED]);
        assert.deepEqual([...dates.keys()].sort(), [contoso, relecloud, tailspin].sort());
        assert.deepEqual(dates.get(contoso), {
          created: { value: ago(431), source: '431 days ago' },
          activated: { value: ago(430), source: '430 days ago' },
          end: { value: ago(430 - 730), source: '430 days ago + P730D' },
        });
        assert.deepEqual(dates.get(relecloud), { created: { value: ago(2), source: '2 days ago' }, activated: null, end: null });
        assert.deepEqual(dates.get(tailspin)?.end, { value: ago(10), source: '10 days ago' });
        assert.deepEqual(await store.relationshipDates([]), new Map());
      });
    });

    describe('importSeed', () => {
      test('the demo plan inserts every row; the same plan again changes nothing, even planned later', timeout, async (t) => {
        const store = await open(t);
        await store.init();
        const first = await importDocument(store, demoDocument());
        assert.deepEqual(first, { inserted: DEMO_ROWS, updated: 0, unchanged: 0 });
        const before = await dumpTables(store);
        assert.deepEqual(counts(before), {
          access_assignments: 5, customer_tenants: 6, customer_users: 2, gdap_relationships: 5, group_members: 18, groups: 11, partner_customers: 6, partner_tenants: 2, principals: 9,
        });
        assert.deepEqual(await importDocument(store, demoDocument()), { inserted: 0, updated: 0, unchanged: DEMO_ROWS });
        assert.deepEqual(await importDocument(store, demoDocument(), LATER), { inserted: 0, updated: 0, unchanged: DEMO_ROWS });
        assert.deepEqual(await dumpTables(store), before);
      });

      test('a changed relationship status is counted as one update and applied', timeout, async (t) => {
        const { store, plan } = await demoStore(open, t);
        const document = demoDocument();
        relationshipIn(document, 'Contoso readers').status = 'terminated';
        assert.deepEqual(await importDocument(store, document, LATER), { inserted: 0, updated: 1, unchanged: DEMO_ROWS - 1 });
        const admin = planIndex(plan).principal(DEMO.fabrikam, 'admin@fabrikam.example');
        const [relationship] = (await facts(store, DEMO.fabrikam, admin.objectId, DEMO.contoso)).relationships;
        assert.equal(relationship?.status, 'terminated');
        assert.equal(relationship?.endDateTime, ago(430 - 730), 'dates kept');
      });

      test('changed roles of a relationship and of an assignment are counted and applied', timeout, async (t) => {
        const { store, plan } = await demoStore(open, t);
        const document = demoDocument();
        const relationship = relationshipIn(document, 'Contoso readers');
        relationship.roles = ['Global Reader', 'Directory Readers'];
        relationship.accessAssignments![0]!.roles = ['Directory Readers'];
        assert.deepEqual(await importDocument(store, document), { inserted: 0, updated: 2, unchanged: DEMO_ROWS - 2 });
        const admin = planIndex(plan).principal(DEMO.fabrikam, 'admin@fabrikam.example');
        const [stored] = (await facts(store, DEMO.fabrikam, admin.objectId, DEMO.contoso)).relationships;
        assert.deepEqual(stored?.roleIds, [GLOBAL_READER, ENTRA_ROLES['Directory Readers']]);
        assert.deepEqual(stored?.accessAssignments.map((a) => a.roleIds), [[ENTRA_ROLES['Directory Readers']]]);
      });

      test('a removed group membership is counted and applied', timeout, async (t) => {
        const { store, plan } = await demoStore(open, t);
        const document = demoDocument();
        user(document, 'sales@fabrikam.example').memberOf = [];
        assert.deepEqual(await importDocument(store, document), { inserted: 0, updated: 1, unchanged: DEMO_ROWS - 1 });
        const sales = planIndex(plan).principal(DEMO.fabrikam, 'sales@fabrikam.example');
        assert.deepEqual(membershipsOf(await facts(store, DEMO.fabrikam, sales.objectId, DEMO.contoso)), [['SalesAgents', 1]]);
      });

      test('a removed access assignment is counted and applied', timeout, async (t) => {
        const { store, plan } = await demoStore(open, t);
        const document = demoDocument();
        relationshipIn(document, 'Tailspin admins').accessAssignments = [];
        assert.deepEqual(await importDocument(store, document), { inserted: 0, updated: 1, unchanged: DEMO_ROWS - 1 });
        const admin = planIndex(plan).principal(DEMO.fabrikam, 'admin@fabrikam.example');
        const [relationship] = (await facts(store, DEMO.fabrikam, admin.objectId, DEMO.tailspin)).relationships;
        assert.deepEqual(relationship?.accessAssignments, []);
        assert.equal((await dumpTables(store)).access_assignments?.length, 4);
      });

      test('several changes in one import are all counted and applied, and nothing else changes', timeout, async (t) => {
        const { store, plan } = await demoStore(open, t);
        const before = await dumpTables(store);
        const document = demoDocument();
        relationshipIn(document, 'Contoso readers').status = 'terminated';
        relationshipIn(document, 'Woodgrove helpdesk').roles.push('Global Reader');
        user(document, 'sales@fabrikam.example').memberOf = [];
        relationshipIn(document, 'Tailspin admins').accessAssignments = [];
        document.partners[1]!.customers![0]!.organization!.city = 'Ottawa';
        document.partners[0]!.customers![1]!.dap = false;
        users(document, 0).push({ userPrincipalName: 'new@fabrikam.example', agentRoles: ['SalesAgents'] });
        assert.deepEqual(await importDocument(store, document), { inserted: 2, updated: 6, unchanged: DEMO_ROWS - 6 });
        const after = await dumpTables(store);
        assert.deepEqual(counts(after), { ...counts(before), access_assignments: 4, principals: 10 });
        const index = planIndex(plan);
        assert.equal((await store.organization(DEMO.litware))?.city, 'Ottawa');
        const admin = index.principal(DEMO.fabrikam, 'admin@fabrikam.example').objectId;
        assert.equal((await facts(store, DEMO.fabrikam, admin, DEMO.northwind)).customer?.dapEnabled, false);
        assert.deepEqual((await facts(store, DEMO.fabrikam, admin, DEMO.woodgrove)).relationships[0]?.roleIds,
          [ENTRA_ROLES['Helpdesk Administrator'], ENTRA_ROLES['User Administrator'], GLOBAL_READER]);
        const newUser = await store.findUserByName(DEMO.fabrikam, 'new@fabrikam.example');
        assert.ok(newUser);
        assert.deepEqual(membershipsOf(await facts(store, DEMO.fabrikam, newUser.objectId, DEMO.contoso)), [['SalesAgents', 1]]);
        assert.deepEqual(await importDocument(store, document), { inserted: 0, updated: 0, unchanged: DEMO_ROWS });
      });

      test("memberships are complete lists: a member's groups that the plan omits are removed", timeout, async (t) => {
        const { store, plan } = await demoStore(open, t);
        const index = planIndex(plan);
        const document = demoDocument();
        user(document, 'admin@fabrikam.example').memberOf = ['GDAP Readers'];
        user(document, 'nomfa@fabrikam.example').agentRoles = [];
        user(document, 'nomfa@fabrikam.example').memberOf = [];
        document.partners[0]!.applications![0]!.memberOf = ['Tailspin Admins'];
        // admin: -3; nomfa: -2; automation: -1 (GDAP Readers) +1 (Tailspin Admins)
        assert.deepEqual(await importDocument(store, document), { inserted: 1, updated: 6, unchanged: DEMO_ROWS - 6 });
        const admin = index.principal(DEMO.fabrikam, 'admin@fabrikam.example').objectId;
        const nomfa = index.principal(DEMO.fabrikam, 'nomfa@fabrikam.example').objectId;
        const automation = index.principal(DEMO.fabrikam, DEMO.fabrikamAutomation).objectId;
        assert.deepEqual(membershipsOf(await facts(store, DEMO.fabrikam, admin, DEMO.contoso)), [['AdminAgents', 1], ['GDAP Readers', 1]]);
        assert.deepEqual(membershipsOf(await facts(store, DEMO.fabrikam, nomfa, DEMO.contoso)), []);
        assert.deepEqual(membershipsOf(await facts(store, DEMO.fabrikam, automation, DEMO.contoso)), [['AdminAgents', 1], ['Tailspin Admins', 1]]);
        assert.equal((await dumpTables(store)).group_members?.length, 18 - 6 + 1);
      });

      test('members and relationships a plan does not mention keep their memberships and assignments', timeout, async (t) => {
        const { store } = await demoStore(open, t);
        const before = await dumpTables(store);
        const document = demoDocument();
        document.partners.splice(0, 1); // Adatum only
        assert.deepEqual(await importDocument(store, document), { inserted: 0, updated: 0, unchanged: 1 + 2 + 4 + 4 + 1 + 2 + 1 + 1 + 1 });
        const fabrikamOnly = demoDocument();
        fabrikamOnly.partners[0]!.users = [];
        fabrikamOnly.partners[0]!.applications = [];
        fabrikamOnly.partners[0]!.customers = [];
        fabrikamOnly.partners.splice(1, 1);
        assert.deepEqual(await importDocument(store, fabrikamOnly), { inserted: 0, updated: 0, unchanged: 1 + 7 });
        assert.deepEqual(await dumpTables(store), before);
      });

      test('assignments per relationship are complete lists: omitted ones are removed, new ones added', timeout, async (t) => {
        const { store, plan } = await demoStore(open, t);
        const index = planIndex(plan);
        const document = demoDocument();
        const contoso = relationshipIn(document, 'Contoso readers');
        contoso.accessAssignments = [{ securityGroup: 'Tailspin Admins', roles: ['Global Reader'] }, { securityGroup: 'Relecloud Readers', status: 'deleting', roles: ['Global Reader'] }];
        assert.deepEqual(await importDocument(store, document), { inserted: 2, updated: 1, unchanged: DEMO_ROWS - 1 });
        const admin = index.principal(DEMO.fabrikam, 'admin@fabrikam.example').objectId;
        const [relationship] = (await facts(store, DEMO.fabrikam, admin, DEMO.contoso)).relationships;
        assert.deepEqual(relationship?.accessAssignments.map((a) => [a.groupDisplayName, a.status, a.roleIds]).sort(), [
          ['Relecloud Readers', 'deleting', [GLOBAL_READER]], ['Tailspin Admins', 'active', [GLOBAL_READER]],
        ]);
        // Other relationships kept theirs.
        const [woodgrove] = (await facts(store, DEMO.fabrikam, admin, DEMO.woodgrove)).relationships;
        assert.deepEqual(woodgrove?.accessAssignments.map((a) => a.groupDisplayName), ['Woodgrove Helpdesk']);
        assert.equal((await dumpTables(store)).access_assignments?.length, 6);
      });

      test('an assignment (explicit id) listed under another relationship is refused: an assignment belongs to its relationship', timeout, async (t) => {
        const store = await open(t);
        await store.init();
        const assignmentId = '4e1d2c3b-5a69-4f78-8e9d-0a1b2c3d4e5f';
        const document = demoDocument();
        relationshipIn(document, 'Contoso readers').accessAssignments = [{ id: assignmentId, securityGroup: 'GDAP Readers', roles: ['Global Reader'] }];
        await importDocument(store, document);
        const before = await dumpTables(store);
        const moved = demoDocument();
        relationshipIn(moved, 'Contoso readers').accessAssignments = [];
        relationshipIn(moved, 'Tailspin admins').accessAssignments!.push({ id: assignmentId, securityGroup: 'GDAP Readers', roles: ['Global Reader'] });
        await assert.rejects(importDocument(store, moved), (error: Error) => {
          assert.ok(error instanceof SeedConflictError, `${error.name}: ${error.message}`);
          assert.equal(error.problems.length, 1, error.message);
          assert.match(error.problems[0]!, /^\$\.partners\[0\]\.customers\[2\]\.gdapRelationships\[0\]\.accessAssignments\[1\]\.id: access assignment id 4e1d2c3b-5a69-4f78-8e9d-0a1b2c3d4e5f belongs to the relationship "Contoso readers" \([^)]+\) of this partner in the store; an assignment cannot move to another relationship/);
          return true;
        });
        assert.deepEqual(await dumpTables(store), before);
      });

      test('without the conflict check a plan is applied as given: a moved assignment is one updated row', timeout, async (t) => {
        const store = await open(t);
        await store.init();
        const assignmentId = '4e1d2c3b-5a69-4f78-8e9d-0a1b2c3d4e5f';
        const document = demoDocument();
        relationshipIn(document, 'Contoso readers').accessAssignments = [{ id: assignmentId, securityGroup: 'GDAP Readers', roles: ['Global Reader'] }];
        await importDocument(store, document);
        const moved = demoDocument();
        relationshipIn(moved, 'Contoso readers').accessAssignments = [];
        relationshipIn(moved, 'Tailspin admins').accessAssignments!.push({ id: assignmentId, securityGroup: 'GDAP Readers', roles: ['Global Reader'] });
        const summary = await store.importSeed(await planFor(store, moved));
        const rows = (await dumpTables(store)).access_assignments!.map((row) => JSON.parse(row) as { id: string; relationship_id: string });
        const tailspin = planIndex(await planFor(store, moved)).relationship('Tailspin admins').id;
        assert.equal(rows.find((row) => row.id === assignmentId)?.relationship_id, tailspin);
        assert.equal(rows.length, 5);
        assert.deepEqual(summary, { inserted: 0, updated: 1, unchanged: DEMO_ROWS - 1 });
      });
    });

    describe('accessFacts', () => {
      test('a user of Fabrikam asking for Contoso: principal, groups, customer, relationship with assignments', timeout, async (t) => {
        const { store, plan } = await demoStore(open, t);
        const index = planIndex(plan);
        const admin = index.principal(DEMO.fabrikam, 'admin@fabrikam.example');
        const relationship = index.relationship('Contoso readers');
        const [assignment] = index.assignmentsOf(relationship.id);
        const result = await facts(store, DEMO.fabrikam, admin.objectId, DEMO.contoso);
        assert.deepEqual(principalFields(result.principal), {
          tenantId: DEMO.fabrikam, objectId: admin.objectId, kind: 'user', displayName: 'Fabrikam Admin',
          userPrincipalName: 'admin@fabrikam.example', clientId: null, mfaRegistered: true,
        });
        const group = (displayName: string) => index.group(DEMO.fabrikam, displayName).groupId;
        assert.deepEqual([...result.memberships].sort((a, b) => a.groupId.localeCompare(b.groupId)), [
          { groupId: agentGroupId(DEMO.fabrikam, 'AdminAgents'), displayName: 'AdminAgents', agentRole: 'AdminAgents', depth: 1 },
          { groupId: group('GDAP Readers'), displayName: 'GDAP Readers', agentRole: null, depth: 1 },
          { groupId: group('Relecloud Readers'), displayName: 'Relecloud Readers', agentRole: null, depth: 1 },
          { groupId: group('Tailspin Admins'), displayName: 'Tailspin Admins', agentRole: null, depth: 1 },
          { groupId: group('Woodgrove Helpdesk'), displayName: 'Woodgrove Helpdesk', agentRole: null, depth: 1 },
        ].sort((a, b) => a.groupId.localeCompare(b.groupId)));
        assert.deepEqual(result.customer, {
          customerTenantId: DEMO.contoso, displayName: 'Contoso', dapEnabled: false,
          organization: { street: '1 Microsoft Way', countryLetterCode: 'US', postalCode: '98052-8300', city: 'Redmond', state: 'WA', displayName: 'Contoso', technicalNotificationMails: ['test@contoso.com'] },
        });
        assert.deepEqual(result.relationships, [{
          id: relationship.id, displayName: 'Contoso readers', status: 'active', roleIds: [GLOBAL_READER], endDateTime: ago(430 - 730),
          accessAssignments: [{ id: assignment!.id, groupId: group('GDAP Readers'), groupDisplayName: 'GDAP Readers', status: 'active', roleIds: [GLOBAL_READER], statusSinceMs: null }],
          // What the status at another instant is derived from (seeded: no status_since, its own dates).
          lifecycle: { statusSinceMs: null, createdMs: Date.parse(ago(431)), activatedMs: Date.parse(ago(430)), duration: 'P730D', autoExtendDuration: 'P180D' },
        }]);
        assert.deepEqual(await facts(store, DEMO.fabrikam.toUpperCase(), admin.objectId.toUpperCase(), DEMO.contoso.toUpperCase()), result, 'ids are case-insensitive');
      });

      test('an app, DAP, expired, pending and multi-role relationships come back as seeded', timeout, async (t) => {
        const { store, plan } = await demoStore(open, t);
        const index = planIndex(plan);
        const app = index.principal(DEMO.fabrikam, DEMO.fabrikamAutomation);
        const appFacts = await facts(store, DEMO.fabrikam, app.objectId, DEMO.northwind);
        assert.deepEqual(principalFields(appFacts.principal), {
          tenantId: DEMO.fabrikam, objectId: app.objectId, kind: 'app', displayName: 'Fabrikam Automation', userPrincipalName: null, clientId: DEMO.fabrikamAutomation, mfaRegistered: false,
        });
        assert.deepEqual(membershipsOf(appFacts), [['AdminAgents', 1], ['GDAP Readers', 1]]);
        assert.deepEqual([appFacts.customer, appFacts.relationships], [{
          customerTenantId: DEMO.northwind, displayName: 'Northwind Traders', dapEnabled: true,
          organization: { street: '4 Harbour Road', countryLetterCode: 'GB', postalCode: 'SW1A 1AA', city: 'London', state: null, displayName: 'Northwind Traders', technicalNotificationMails: ['it@northwind.example'] },
        }, []]);

        const tailspin = (await facts(store, DEMO.fabrikam, app.objectId, DEMO.tailspin)).relationships;
        assert.deepEqual(tailspin.map((r) => [r.status, r.roleIds, r.endDateTime, r.accessAssignments.map((a) => a.roleIds)]), [
          ['expired', [GLOBAL_ADMINISTRATOR, GLOBAL_READER], ago(10), [[GLOBAL_ADMINISTRATOR]]],
        ]);
        const relecloud = (await facts(store, DEMO.fabrikam, app.objectId, DEMO.relecloud)).relationships;
        assert.deepEqual(relecloud.map((r) => [r.status, r.endDateTime, r.accessAssignments.map((a) => a.status)]), [['approvalPending', null, ['pending']]]);
        const woodgrove = (await facts(store, DEMO.fabrikam, app.objectId, DEMO.woodgrove)).relationships;
        assert.deepEqual(woodgrove.map((r) => [r.roleIds, r.endDateTime]), [
          [[ENTRA_ROLES['Helpdesk Administrator'], ENTRA_ROLES['User Administrator']], new Date(Date.parse(ago(60)) + 365 * DAY).toISOString()],
        ]);
        const adatumAdmin = index.principal(DEMO.adatum, 'admin@adatum.example');
        const litware = await facts(store, DEMO.adatum, adatumAdmin.objectId, DEMO.litware);
        assert.deepEqual(membershipsOf(litware), [['Adatum GDAP Readers', 1], ['AdminAgents', 1]]);
        assert.deepEqual(litware.relationships.map((r) => [r.displayName, r.roleIds, r.accessAssignments.map((a) => [a.groupDisplayName, a.roleIds])]), [
          ['Litware readers', [GLOBAL_READER, ENTRA_ROLES['Directory Writers']], [['Adatum GDAP Readers', [ENTRA_ROLES['Directory Writers']]]]],
        ]);
      });

      test('several relationships for one customer come back oldest first, each with all its assignments', timeout, async (t) => {
        const { store, plan } = await demoStore(open, t);
        const document = demoDocument();
        const contoso = document.partners[0]!.customers![0]!;
        contoso.gdapRelationships!.push(
          { displayName: 'Contoso older', status: 'expired', roles: ['Global Reader'], createdDateTime: '2024-01-01T00:00:00Z', endDateTime: '2025-01-01T00:00:00Z' },
          {
            displayName: 'Contoso newer', status: 'created', roles: ['Global Reader', 'Directory Writers'], createdDateTime: '1 day ago',
            accessAssignments: [
              { securityGroup: 'GDAP Readers', roles: ['Global Reader'] },
              { securityGroup: 'Tailspin Admins', roles: ['Directory Writers'] },
              { securityGroup: 'Woodgrove Helpdesk', status: 'error', roles: ['Global Reader', 'Directory Writers'] },
            ],
          },
        );
        await importDocument(store, document);
        const admin = planIndex(plan).principal(DEMO.fabrikam, 'admin@fabrikam.example');
        const result = await facts(store, DEMO.fabrikam, admin.objectId, DEMO.contoso);
        assert.deepEqual(result.relationships.map((r) => [r.displayName, r.status, r.endDateTime]), [
          ['Contoso older', 'expired', '2025-01-01T00:00:00.000Z'], ['Contoso readers', 'active', ago(430 - 730)], ['Contoso newer', 'created', null],
        ]);
        const newer = result.relationships[2]!;
        assert.deepEqual(newer.accessAssignments.map((a) => [a.groupDisplayName, a.status, a.roleIds]).sort(), [
          ['GDAP Readers', 'active', [GLOBAL_READER]],
          ['Tailspin Admins', 'active', [ENTRA_ROLES['Directory Writers']]],
          ['Woodgrove Helpdesk', 'error', [GLOBAL_READER, ENTRA_ROLES['Directory Writers']]],
        ]);
        assert.deepEqual(result.relationships[0]!.accessAssignments, []);
      });

      test('nested groups: depth up to maxGroupDepth, the shortest path wins, and a cycle terminates', timeout, async (t) => {
        const store = await open(t);
        await store.init();
        const plan = await planFor(store, nestedGroupsDocument());
        await store.importSeed(plan);
        const index = planIndex(plan);
        const nested = index.principal(DEMO.fabrikam, 'nested@fabrikam.example').objectId;
        const shortcut = index.principal(DEMO.fabrikam, 'shortcut@fabrikam.example').objectId;
        const app = index.principal(DEMO.fabrikam, '3f0c2a1b-4d5e-4f60-8a7b-9c0d1e2f3a4b').objectId;

        assert.deepEqual(membershipsOf(await facts(store, DEMO.fabrikam, nested, DEMO.contoso, 1)), [['AdminAgents', 1], ['Cycle A', 1], ['Inner', 1]]);
        assert.deepEqual(membershipsOf(await facts(store, DEMO.fabrikam, nested, DEMO.contoso, 2)), [['AdminAgents', 1], ['Cycle A', 1], ['Inner', 1], ['Cycle B', 2], ['Middle', 2]]);
        const started = Date.now();
        const deep = await facts(store, DEMO.fabrikam, nested, DEMO.contoso, 16);
        assert.ok(Date.now() - started < 5000, 'the cycle does not make the query run away');
        assert.deepEqual(membershipsOf(deep), [['AdminAgents', 1], ['Cycle A', 1], ['Inner', 1], ['Cycle B', 2], ['Middle', 2], ['Outer', 3]]);
        assert.deepEqual(deep.memberships.find((m) => m.displayName === 'Outer'), { groupId: index.group(DEMO.fabrikam, 'Outer').groupId, displayName: 'Outer', agentRole: null, depth: 3 });
        assert.deepEqual(membershipsOf(await facts(store, DEMO.fabrikam, shortcut, DEMO.contoso, 16)), [['Inner', 1], ['Outer', 1], ['Middle', 2]]);
        assert.deepEqual(membershipsOf(await facts(store, DEMO.fabrikam, app, DEMO.contoso, 1)), [['Cycle B', 1]]);
        assert.deepEqual(membershipsOf(await facts(store, DEMO.fabrikam, app, DEMO.contoso, 16)), [['Cycle B', 1], ['Cycle A', 2]]);
        const loner = index.principal(DEMO.fabrikam, 'loner@fabrikam.example').objectId;
        assert.deepEqual((await facts(store, DEMO.fabrikam, loner, DEMO.contoso, 16)).memberships, []);
        const [relationship] = deep.relationships;
        assert.deepEqual(relationship?.accessAssignments.map((a) => a.groupDisplayName).sort(), ['Cycle B', 'Outer']);
      });

      test("isolation: one partner never sees another partner's customer or principals", timeout, async (t) => {
        const { store, plan } = await demoStore(open, t);
        const index = planIndex(plan);
        const fabrikamAdmin = index.principal(DEMO.fabrikam, 'admin@fabrikam.example').objectId;
        const adatumAdmin = index.principal(DEMO.adatum, 'admin@adatum.example').objectId;

        const litwareFromFabrikam = await facts(store, DEMO.fabrikam, fabrikamAdmin, DEMO.litware, 16);
        assert.equal(litwareFromFabrikam.customer, undefined);
        assert.deepEqual(litwareFromFabrikam.relationships, []);
        assert.equal(litwareFromFabrikam.principal?.objectId, fabrikamAdmin);

        const fabrikamPrincipalAsAdatum = await facts(store, DEMO.adatum, fabrikamAdmin, DEMO.litware, 16);
        assert.equal(fabrikamPrincipalAsAdatum.principal, undefined);
        assert.deepEqual(fabrikamPrincipalAsAdatum.memberships, []);

        const adatumPrincipalAsFabrikam = await facts(store, DEMO.fabrikam, adatumAdmin, DEMO.contoso, 16);
        assert.equal(adatumPrincipalAsFabrikam.principal, undefined);
        assert.deepEqual(adatumPrincipalAsFabrikam.memberships, []);

        for (const customer of [DEMO.contoso, DEMO.northwind, DEMO.tailspin, DEMO.woodgrove, DEMO.relecloud]) {
          const result = await facts(store, DEMO.adatum, adatumAdmin, customer, 16);
          assert.deepEqual([result.customer, result.relationships], [undefined, []], customer);
        }
        // An unknown principal: no principal and no groups.
        const unknown = await facts(store, DEMO.fabrikam, NEVER_EXISTED, DEMO.contoso, 16);
        assert.deepEqual([unknown.principal, unknown.memberships], [undefined, []]);
      });
    });

    describe('organization', () => {
      test('returns values, nulls and [] as seeded; undefined for an unknown customer', timeout, async (t) => {
        const { store } = await demoStore(open, t);
        assert.deepEqual(await store.organization(DEMO.contoso), {
          street: '1 Microsoft Way', countryLetterCode: 'US', postalCode: '98052-8300', city: 'Redmond', state: 'WA',
          displayName: 'Contoso', technicalNotificationMails: ['test@contoso.com'],
        });
        assert.deepEqual(await store.organization(DEMO.relecloud.toUpperCase()), {
          street: '12 Cloud Avenue', countryLetterCode: 'DE', postalCode: '10115', city: 'Berlin', state: null,
          displayName: 'Relecloud GmbH', technicalNotificationMails: [],
        });
        assert.deepEqual((await store.organization(DEMO.woodgrove))?.technicalNotificationMails, ['secops@woodgrove.example', 'it@woodgrove.example']);
        assert.equal((await store.organization(DEMO.northwind))?.state, null);
        assert.equal(await store.organization(NEVER_EXISTED), undefined);
        assert.equal(await store.organization(DEMO.fabrikam), undefined, 'a partner is not a customer');

        const bare = '5f1c3a2e-8d4b-4e6f-a7c9-0b1d2e3f4a5b';
        const some = '6a2d4b3f-9e5c-4f70-b8da-1c2e3f4a5b6c';
        await importDocument(store, { partners: [{ tenantId: DEMO.adatum, displayName: 'Adatum', domain: 'adatum.example', customers: [
          { tenantId: bare, displayName: 'Bare Customer' },
          { tenantId: some, displayName: 'Some Fields', organization: { city: 'Oslo', displayName: null, technicalNotificationMails: ['a@x.example', 'ø@x.example'] } },
        ] }] });
        assert.deepEqual(await store.organization(bare), {
          street: null, countryLetterCode: null, postalCode: null, city: null, state: null, displayName: 'Bare Customer', technicalNotificationMails: [],
        });
        assert.deepEqual(await store.organization(some), {
          street: null, countryLetterCode: null, postalCode: null, city: 'Oslo', state: null, displayName: null, technicalNotificationMails: ['a@x.example', 'ø@x.example'],
        });
      });
    });

    describe('imports in chunks and at the same time', () => {
      const NEWCOMER = '7b3e9f1c-2a4d-4e5f-8c6b-0d1e2f3a4b5c';
      const NEWCOMER_CUSTOMER = '8c4f0a2d-3b5e-4f60-9d7c-1e2f3a4b5c6d';
      const newcomer = (displayName = 'Newcomer'): SeedDocument => ({ partners: [{
        tenantId: NEWCOMER, displayName, domain: 'newcomer.example',
        users: [{ userPrincipalName: 'boss@newcomer.example', agentRoles: ['AdminAgents'] }],
        customers: [{ tenantId: NEWCOMER_CUSTOMER, displayName: 'Newcomer Customer', organization: { city: 'Lisbon' } }],
      }] });
      /** A plan whose partner rename comes first and whose user clashes with Fabrikam's admin UPN later. */
      const clashing = (store: Store) => planFor(store, { partners: [{
        tenantId: DEMO.fabrikam, displayName: 'Fabrikam Clash', domain: 'fabrikam.example',
        users: [{ id: '0b9a4c62-3d0e-4f7c-9a51-6c2d8e1f4a70', userPrincipalName: 'admin@fabrikam.example' }],
      }] });
      const chunks = async function* (...plans: SeedPlan[]): AsyncIterable<SeedPlan> {
        for (const plan of plans) yield plan;
      };

      test('a plan streamed in chunks imports like one plan', timeout, async (t) => {
        const store = await open(t);
        await store.init();
        const document = demoDocument();
        const [fabrikam, adatum] = [await planFor(store, { partners: [document.partners[0]!] }), await planFor(store, { partners: [document.partners[1]!] })];
        assert.deepEqual(await store.importSeed(chunks(fabrikam, adatum)), { inserted: DEMO_ROWS, updated: 0, unchanged: 0 });
        assert.deepEqual(await importDocument(store, demoDocument()), { inserted: 0, updated: 0, unchanged: DEMO_ROWS });
      });

      test('a streamed import is one transaction: a conflict in a later chunk undoes the earlier chunks', timeout, async (t) => {
        const { store } = await demoStore(open, t);
        const before = await dumpTables(store);
        const first = await planFor(store, newcomer());
        const second = await clashing(store);
        await assert.rejects(store.importSeed(chunks(first, second)), SeedConflictError);
        assert.deepEqual(await dumpTables(store), before);
        assert.equal(await store.findPartnerTenant(NEWCOMER), undefined);
      });

      test('reads while an import is in progress see only committed data', timeout, async (t) => {
        const { store } = await demoStore(open, t);
        const before = await dumpTables(store);
        const first = await planFor(store, newcomer());
        const second = await clashing(store);
        let applied!: () => void;
        let release!: () => void;
        const firstApplied = new Promise<void>((resolve) => (applied = resolve));
        const gate = new Promise<void>((resolve) => (release = resolve));
        const importing = store.importSeed((async function* () {
          yield first;
          applied(); // the store asks for the next chunk only once the first is written
          await gate;
          yield second;
        })());
        importing.catch(() => undefined);
        await firstApplied;
        // A store may make readers wait for the import, but must not show them uncommitted rows.
        const during = Promise.all([
          store.findPartnerTenant(NEWCOMER), store.isPartnerTenant(NEWCOMER), store.organization(NEWCOMER_CUSTOMER),
          store.findUserByName(NEWCOMER, 'boss@newcomer.example'), store.isEmpty(),
        ]);
        await Promise.race([during, new Promise((resolve) => setTimeout(resolve, 2000))]);
        release();
        await assert.rejects(importing, SeedConflictError);
        assert.deepEqual(await during, [undefined, false, undefined, undefined, false], 'uncommitted rows were visible to readers');
        assert.deepEqual(await dumpTables(store), before);
      });

      test('two imports at once on the same store both apply', timeout, async (t) => {
        const { store } = await demoStore(open, t);
        const renamed = demoDocument();
        renamed.partners[0]!.displayName = 'Fabrikam Renamed';
        const [a, b] = [await planFor(store, renamed), await planFor(store, newcomer())];
        const results = await Promise.allSettled([store.importSeed(a), store.importSeed(b)]);
        assert.deepEqual(results.map((r) => (r.status === 'rejected' ? `${(r.reason as Error).name}: ${(r.reason as Error).message}` : r.value)), [
          { inserted: 0, updated: 1, unchanged: DEMO_ROWS - 1 },
          { inserted: 1 + 1 + 3 + 1 + 1 + 1, updated: 0, unchanged: 0 },
        ]);
        assert.equal((await store.findPartnerTenant(DEMO.fabrikam))?.displayName, 'Fabrikam Renamed');
        assert.equal((await store.organization(NEWCOMER_CUSTOMER))?.city, 'Lisbon');
      });

      test('of two imports at once on the same store, a failing one changes nothing and the other applies', timeout, async (t) => {
        const { store } = await demoStore(open, t);
        const before = await dumpTables(store);
        const [bad, good] = [await clashing(store), await planFor(store, newcomer())];
        const results = await Promise.allSettled([store.importSeed(bad), store.importSeed(good)]);
        assert.deepEqual(results.map((r) => (r.status === 'rejected' ? (r.reason as Error).name : 'applied')), ['SeedConflictError', 'applied']);
        assert.equal((await store.findPartnerTenant(DEMO.fabrikam))?.displayName, 'Fabrikam', 'the failed import left no trace');
        assert.equal((await store.findPartnerTenant(NEWCOMER))?.displayName, 'Newcomer');
        const after = await dumpTables(store);
        assert.deepEqual(counts(after), { ...counts(before), partner_tenants: 3, principals: 10, groups: 14, group_members: 19, customer_tenants: 7, partner_customers: 7 });
      });
    });

    describe('transactions', () => {
      test('a UPN owned by another user id aborts the import with SeedConflictError after earlier writes, leaving every table unchanged', timeout, async (t) => {
        const { store } = await demoStore(open, t);
        const before = await dumpTables(store);
        // The partner rename is written first; the clashing user (unique index on the UPN) comes later.
        const plan = await planFor(store, {
          partners: [{
            tenantId: DEMO.fabrikam, displayName: 'Fabrikam Renamed', domain: 'fabrikam.example',
            users: [
              { userPrincipalName: 'fresh@fabrikam.example' },
              { id: '0b9a4c62-3d0e-4f7c-9a51-6c2d8e1f4a70', userPrincipalName: 'ADMIN@fabrikam.example' },
            ],
          }],
        });
        await assert.rejects(store.importSeed(plan), (error: Error) => {
          assert.ok(error instanceof SeedConflictError, `${error.name}: ${error.message}`);
          assert.match(error.message, /userPrincipalName/);
          return true;
        });
        assert.deepEqual(await dumpTables(store), before);
        assert.equal((await store.findPartnerTenant(DEMO.fabrikam))?.displayName, 'Fabrikam');
        assert.equal(await store.findUserByName(DEMO.fabrikam, 'fresh@fabrikam.example'), undefined);
      });

      test('a partner domain owned by another partner aborts the import with SeedConflictError, leaving every table unchanged', timeout, async (t) => {
        const { store } = await demoStore(open, t);
        const before = await dumpTables(store);
        const plan = await planFor(store, { partners: [
          { tenantId: DEMO.adatum, displayName: 'Adatum Renamed', domain: 'adatum.example' },
          { tenantId: '7b3e9f1c-2a4d-4e5f-8c6b-0d1e2f3a4b5c', displayName: 'Impostor', domain: 'FABRIKAM.example' },
        ] });
        await assert.rejects(store.importSeed(plan), SeedConflictError);
        assert.deepEqual(await dumpTables(store), before);
      });

      test('a plan that fails in its last step (an assignment to an unknown group) rolls back every earlier step', timeout, async (t) => {
        const { store } = await demoStore(open, t);
        const before = await dumpTables(store);
        const document = demoDocument();
        document.partners[0]!.displayName = 'Fabrikam Renamed';
        user(document, 'sales@fabrikam.example').memberOf = [];
        users(document, 0).push({ userPrincipalName: 'fresh@fabrikam.example', agentRoles: ['AdminAgents'] });
        document.partners[1]!.customers![0]!.organization!.city = 'Ottawa';
        relationshipIn(document, 'Contoso readers').status = 'terminated';
        relationshipIn(document, 'Tailspin admins').accessAssignments = [];
        const plan = await planFor(store, document);
        plan.assignments.push({ id: '9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a', relationshipId: plan.relationships[0]!.id, groupId: NEVER_EXISTED, status: 'active', roleIds: [GLOBAL_READER] });
        await assert.rejects(store.importSeed(plan), SeedConflictError);
        assert.deepEqual(await dumpTables(store), before);

        // The store is still usable: the same changes without the bad row go through.
        plan.assignments.pop();
        const summary = await store.importSeed(plan);
        assert.equal(summary.inserted, 2);
        assert.equal((await store.findPartnerTenant(DEMO.fabrikam))?.displayName, 'Fabrikam Renamed');
      });

      test('a failed first import leaves an empty store empty', timeout, async (t) => {
        const store = await open(t);
        await store.init();
        const before = await dumpTables(store);
        const plan = await planFor(store, demoDocument());
        plan.memberOf.push({ memberId: '1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f', memberKind: 'user', groupIds: [NEVER_EXISTED] });
        await assert.rejects(store.importSeed(plan), SeedConflictError);
        assert.deepEqual(await dumpTables(store), before);
        assert.equal(await store.isEmpty(), true);
      });
    });
    describe('sign-in: principals, consents and grants', () => {
      const PC_SCOPE = 'https://api.partnercenter.microsoft.com/user_impersonation';
      const GRAPH_SCOPE = 'https://graph.microsoft.com/User.Read';
      const AZURE_CLI = '04b07795-8ddb-461a-bbee-02f9e1bf7b46';
      const grant = (id: string, extra: Partial<StoredGrant> = {}): StoredGrant => ({
        id, kind: 'code', userCode: null, state: 'issued', payload: { clientId: DEMO.fabrikamAutomation, scopes: [PC_SCOPE], nested: { n: 1, ok: true, none: null } },
        expiresAtMs: NOW.getTime() + 600_000, ...extra,
      });
      /** Grants as stored, through a second connection (nothing cached in the store under test). */
      const storedGrants = async (store: Store) => ((await dumpTables(store)).sign_in_grants ?? []).length;

      test('imported principals carry redirect URIs, the public-client setting and the account state; changes are updates', timeout, async (t) => {
        const { store, plan } = await demoStore(open, t);
        const automation = await store.findAppByClientId(DEMO.fabrikam, DEMO.fabrikamAutomation);
        assert.deepEqual([automation?.redirectUris, automation?.publicClient, automation?.accountEnabled], [['http://localhost', 'https://localhost/callback'], true, true]);
        const adatum = await store.findAppByClientId(DEMO.adatum, DEMO.adatumAutomation);
        assert.deepEqual([adatum?.redirectUris, adatum?.publicClient], [[], false]);
        const admin = planIndex(plan).principal(DEMO.fabrikam, 'admin@fabrikam.example');
        assert.deepEqual((({ accountEnabled, redirectUris, publicClient }) => ({ accountEnabled, redirectUris, publicClient }))((await store.findPrincipal(DEMO.fabrikam, admin.objectId))!),
          { accountEnabled: true, redirectUris: [], publicClient: false });

        const document = demoDocument();
        user(document, 'guest@fabrikam.example').accountEnabled = false;
        const app = document.partners[0]!.applications![1]!;
        app.redirectUris = ['ms-appx-web://Microsoft.AAD.BrokerPlugin/x', 'https://reporting.fabrikam.example/signin'];
        app.publicClient = true;
        assert.deepEqual(await importDocument(store, document, LATER), { inserted: 0, updated: 2, unchanged: DEMO_ROWS - 2 });
        assert.equal((await store.findUserByName(DEMO.fabrikam, 'guest@fabrikam.example'))?.accountEnabled, false);
        const reporting = await store.findAppByClientId(DEMO.fabrikam, DEMO.fabrikamReporting);
        assert.deepEqual([reporting?.redirectUris, reporting?.publicClient], [app.redirectUris, true]);
        assert.deepEqual(await importDocument(store, document, LATER), { inserted: 0, updated: 0, unchanged: DEMO_ROWS });
      });

      test('seeded consents: inserted with the import time, kept while their scopes are unchanged, merged with others', timeout, async (t) => {
        const { store, plan } = await demoStore(open, t);
        const admin = planIndex(plan).principal(DEMO.fabrikam, 'admin@fabrikam.example').objectId;
        const document = demoDocument();
        document.partners[0]!.consents = [
          { clientId: DEMO.fabrikamAutomation, scopes: [PC_SCOPE] },
          { clientId: DEMO.fabrikamAutomation, user: 'ADMIN@fabrikam.example', scopes: [GRAPH_SCOPE, PC_SCOPE] },
          { clientId: AZURE_CLI, user: admin, scopes: [PC_SCOPE] },
        ];
        assert.deepEqual(await importDocument(store, document, NOW), { inserted: 3, updated: 0, unchanged: DEMO_ROWS });
        const expected = [
          { tenantId: DEMO.fabrikam, clientId: DEMO.fabrikamAutomation, principalObjectId: '', scopes: [PC_SCOPE], grantedAtMs: NOW.getTime() },
          { tenantId: DEMO.fabrikam, clientId: DEMO.fabrikamAutomation, principalObjectId: admin, scopes: [PC_SCOPE, GRAPH_SCOPE], grantedAtMs: NOW.getTime() },
        ];
        assert.deepEqual(await store.consents(DEMO.fabrikam, DEMO.fabrikamAutomation, admin), expected);
        assert.deepEqual(await store.consents(DEMO.fabrikam, AZURE_CLI, admin), [
          { tenantId: DEMO.fabrikam, clientId: AZURE_CLI, principalObjectId: admin, scopes: [PC_SCOPE], grantedAtMs: NOW.getTime() },
        ]);
        assert.deepEqual(await importDocument(store, document, LATER), { inserted: 0, updated: 0, unchanged: DEMO_ROWS + 3 });
        assert.deepEqual(await store.consents(DEMO.fabrikam, DEMO.fabrikamAutomation, admin), expected, 'the grant time stays');

        await store.putConsent({ tenantId: DEMO.fabrikam, clientId: DEMO.fabrikamReporting, principalObjectId: admin, scopes: [PC_SCOPE], grantedAtMs: 1 });
        document.partners[0]!.consents = [{ clientId: DEMO.fabrikamAutomation, user: 'admin@fabrikam.example', scopes: [PC_SCOPE] }];
        assert.deepEqual(await importDocument(store, document, LATER), { inserted: 0, updated: 1, unchanged: DEMO_ROWS });
        assert.deepEqual((await store.consents(DEMO.fabrikam, DEMO.fabrikamAutomation, admin)).map((c) => [c.principalObjectId, c.scopes, c.grantedAtMs]), [
          ['', [PC_SCOPE], NOW.getTime()], [admin, [PC_SCOPE], LATER.getTime()],
        ]);
        assert.equal((await store.consents(DEMO.fabrikam, DEMO.fabrikamReporting, admin)).length, 1, 'a consent the file does not list is left alone');
      });

      test('an import whose consents fail (a tenant that is no partner) changes nothing', timeout, async (t) => {
        const { store } = await demoStore(open, t);
        const before = await dumpTables(store);
        const document = demoDocument();
        document.partners[0]!.displayName = 'Fabrikam Renamed';
        document.partners[0]!.consents = [{ clientId: DEMO.fabrikamAutomation, scopes: [PC_SCOPE] }];
        const plan = await planFor(store, document);
        plan.consents.push({ tenantId: NEVER_EXISTED, clientId: DEMO.fabrikamAutomation, principalObjectId: '', scopes: [PC_SCOPE], grantedAtMs: NOW.getTime() });
        await assert.rejects(store.importSeed(plan), SeedConflictError);
        assert.deepEqual(await dumpTables(store), before);
      });

      test("consents(): the user's own row and the tenant-wide row, nobody else's; ids case-insensitive; putConsent replaces", timeout, async (t) => {
        const { store, plan } = await demoStore(open, t);
        const index = planIndex(plan);
        const admin = index.principal(DEMO.fabrikam, 'admin@fabrikam.example').objectId;
        const sales = index.principal(DEMO.fabrikam, 'sales@fabrikam.example').objectId;
        const adatumAdmin = index.principal(DEMO.adatum, 'admin@adatum.example').objectId;
        assert.deepEqual(await store.consents(DEMO.fabrikam, DEMO.fabrikamAutomation, admin), []);
        await store.putConsent({ tenantId: DEMO.fabrikam.toUpperCase(), clientId: DEMO.fabrikamAutomation.toUpperCase(), principalObjectId: admin.toUpperCase(), scopes: [PC_SCOPE], grantedAtMs: 1000 });
        await store.putConsent({ tenantId: DEMO.fabrikam, clientId: DEMO.fabrikamAutomation, principalObjectId: '', scopes: [PC_SCOPE, GRAPH_SCOPE], grantedAtMs: 2000 });
        await store.putConsent({ tenantId: DEMO.fabrikam, clientId: DEMO.fabrikamAutomation, principalObjectId: sales, scopes: [GRAPH_SCOPE], grantedAtMs: 3000 });
        await store.putConsent({ tenantId: DEMO.fabrikam, clientId: DEMO.fabrikamReporting, principalObjectId: admin, scopes: [PC_SCOPE], grantedAtMs: 4000 });
        await store.putConsent({ tenantId: DEMO.adatum, clientId: DEMO.fabrikamAutomation, principalObjectId: adatumAdmin, scopes: [PC_SCOPE], grantedAtMs: 5000 });
        const tenantWide = { tenantId: DEMO.fabrikam, clientId: DEMO.fabrikamAutomation, principalObjectId: '', scopes: [PC_SCOPE, GRAPH_SCOPE], grantedAtMs: 2000 };
        const own = { tenantId: DEMO.fabrikam, clientId: DEMO.fabrikamAutomation, principalObjectId: admin, scopes: [PC_SCOPE], grantedAtMs: 1000 };
        assert.deepEqual(await store.consents(DEMO.fabrikam, DEMO.fabrikamAutomation, admin), [tenantWide, own]);
        assert.deepEqual(await store.consents(DEMO.fabrikam.toUpperCase(), DEMO.fabrikamAutomation.toUpperCase(), admin.toUpperCase()), [tenantWide, own]);
        const guest = index.principal(DEMO.fabrikam, 'guest@fabrikam.example').objectId;
        assert.deepEqual(await store.consents(DEMO.fabrikam, DEMO.fabrikamAutomation, guest), [tenantWide], 'another user gets the tenant-wide row only');
        assert.deepEqual(await store.consents(DEMO.fabrikam, DEMO.fabrikamAutomation, ''), [tenantWide]);
        assert.deepEqual(await store.consents(DEMO.adatum, DEMO.fabrikamAutomation, admin), [], "another tenant's consents are not this user's");
        assert.deepEqual(await store.consents(DEMO.fabrikam, DEMO.adatumAutomation, admin), []);

        await store.putConsent({ ...own, scopes: [GRAPH_SCOPE], grantedAtMs: 9000 });
        assert.deepEqual(await store.consents(DEMO.fabrikam, DEMO.fabrikamAutomation, admin), [tenantWide, { ...own, scopes: [GRAPH_SCOPE], grantedAtMs: 9000 }]);
        await assert.rejects(store.putConsent({ ...own, tenantId: NEVER_EXISTED }), 'a consent belongs to a partner tenant');
      });

      test('deleteConsent: true when there was one, then false; only that row goes', timeout, async (t) => {
        const { store, plan } = await demoStore(open, t);
        const admin = planIndex(plan).principal(DEMO.fabrikam, 'admin@fabrikam.example').objectId;
        const consent = { tenantId: DEMO.fabrikam, clientId: DEMO.fabrikamAutomation, principalObjectId: admin, scopes: [PC_SCOPE], grantedAtMs: 1 };
        await store.putConsent(consent);
        await store.putConsent({ ...consent, principalObjectId: '' });
        assert.equal(await store.deleteConsent(DEMO.fabrikam.toUpperCase(), DEMO.fabrikamAutomation.toUpperCase(), admin.toUpperCase()), true);
        assert.equal(await store.deleteConsent(DEMO.fabrikam, DEMO.fabrikamAutomation, admin), false);
        assert.equal(await store.deleteConsent(DEMO.fabrikam, DEMO.fabrikamAutomation, NEVER_EXISTED), false);
        assert.deepEqual(await store.consents(DEMO.fabrikam, DEMO.fabrikamAutomation, admin), [{ ...consent, principalObjectId: '' }]);
        assert.equal(await store.deleteConsent(DEMO.fabrikam, DEMO.fabrikamAutomation, ''), true);
        assert.deepEqual(await store.consents(DEMO.fabrikam, DEMO.fabrikamAutomation, admin), []);
      });

      test('putGrant, findGrant and findGrantByUserCode round-trip every field', timeout, async (t) => {
        const store = await open(t);
        await store.init();
        const code = grant('c0de'.repeat(16));
        const device = grant('de71ce'.repeat(10), { kind: 'device_code', userCode: 'BCDF-GHJK', state: 'pending', payload: {}, expiresAtMs: 1_700_000_000_123 });
        const refresh = grant('AbC-_0'.repeat(7), { kind: 'refresh_token', state: 'active', payload: { family: 'f1', scopes: [PC_SCOPE, 'offline_access'], ü: 'ø' } });
        const signIn = grant('51'.repeat(32), { kind: 'sign_in', state: 'started' });
        for (const g of [code, device, refresh, signIn]) await store.putGrant(g);
        assert.deepEqual(await store.findGrant(code.id), code);
        assert.deepEqual(await store.findGrant(device.id), device);
        assert.deepEqual(await store.findGrant(refresh.id), refresh);
        assert.deepEqual(await store.findGrant(signIn.id), signIn);
        assert.equal(await store.findGrant(refresh.id.toLowerCase()), undefined, 'grant ids are compared exactly');
        assert.equal(await store.findGrant('missing'), undefined);
        assert.deepEqual(await store.findGrantByUserCode('BCDF-GHJK'), device);
        assert.equal(await store.findGrantByUserCode('BCDF-GHJX'), undefined);
        assert.equal(typeof (await store.findGrant(device.id))!.expiresAtMs, 'number');
        const second = reopen(store);
        try {
          await second.init();
          assert.deepEqual(await second.findGrant(refresh.id), refresh, 'another connection sees it at once');
        } finally {
          await second.close();
        }
      });

      test('putGrant refuses a taken id or user code with a plain Error, and stores nothing', timeout, async (t) => {
        const store = await open(t);
        await store.init();
        const first = grant('1d'.repeat(32), { kind: 'device_code', userCode: 'WXYZ-WXYZ', state: 'pending' });
        await store.putGrant(first);
        await store.putGrant(grant('2d'.repeat(32)));
        await store.putGrant(grant('3d'.repeat(32)));
        await assert.rejects(store.putGrant({ ...first, userCode: 'OTHR-CODE', state: 'other' }), (error: Error) => {
          assert.equal(error.constructor, Error, `${error.name}: ${error.message}`);
          assert.equal(error.message, 'putGrant: a sign-in grant with this id exists');
          return true;
        });
        await assert.rejects(store.putGrant(grant('4d'.repeat(32), { kind: 'device_code', userCode: 'WXYZ-WXYZ', state: 'pending' })), (error: Error) => {
          assert.equal(error.constructor, Error, `${error.name}: ${error.message}`);
          assert.equal(error.message, 'putGrant: the user code is taken by another sign-in grant');
          return true;
        });
        await assert.rejects(store.putGrant(grant('5d'.repeat(32), { kind: 'password' as never })), (error: Error) => error.constructor === Error && /^putGrant: /.test(error.message));
        assert.deepEqual(await store.findGrant(first.id), first);
        assert.equal(await store.findGrant('4d'.repeat(32)), undefined);
        assert.equal(await store.findGrantByUserCode('OTHR-CODE'), undefined);
        assert.equal(await storedGrants(store), 3);
      });

      test('updateGrant is a compare-and-set: it moves the grant once, then fails; the payload changes only when given', timeout, async (t) => {
        const store = await open(t);
        await store.init();
        const g = grant('ca5'.repeat(20));
        await store.putGrant(g);
        assert.equal(await store.updateGrant(g.id, 'issued', 'redeemed'), true);
        assert.deepEqual(await store.findGrant(g.id), { ...g, state: 'redeemed' }, 'payload kept');
        assert.equal(await store.updateGrant(g.id, 'issued', 'redeemed'), false, 'the second redemption fails');
        assert.equal(await store.updateGrant(g.id, 'issued', 'revoked', { revoked: true }), false);
        assert.deepEqual(await store.findGrant(g.id), { ...g, state: 'redeemed' }, 'a failed update changes nothing');
        assert.equal(await store.updateGrant(g.id, 'redeemed', 'revoked', { reason: 'reuse', at: 5 }), true);
        assert.deepEqual(await store.findGrant(g.id), { ...g, state: 'revoked', payload: { reason: 'reuse', at: 5 } });
        assert.equal(await store.updateGrant('missing', 'issued', 'redeemed'), false);
      });

      test('concurrent updateGrant calls from two stores on one database: exactly one wins', timeout, async (t) => {
        const store = await open(t);
        await store.init();
        const second = reopen(store);
        try {
          await second.init();
          for (let round = 0; round < 5; round++) {
            const g = grant(`race-${round}`);
            await store.putGrant(g);
            const results = await Promise.all(Array.from({ length: 8 }, (_, i) =>
              (i % 2 ? second : store).updateGrant(g.id, 'issued', `redeemed-by-${i}`, { by: i })));
            assert.equal(results.filter(Boolean).length, 1, `round ${round}: ${JSON.stringify(results)}`);
            const winner = results.indexOf(true);
            assert.deepEqual(await second.findGrant(g.id), { ...g, state: `redeemed-by-${winner}`, payload: { by: winner } });
          }
          const pair = grant('pair');
          await store.putGrant(pair);
          const [a, b] = await Promise.all([store.updateGrant(pair.id, 'issued', 'a'), store.updateGrant(pair.id, 'issued', 'b')]);
          assert.equal(Number(a) + Number(b), 1, 'two calls on one store: exactly one true');
        } finally {
          await second.close();
        }
      });

      test('purgeGrants deletes only grants that expired before the given time, and says how many', timeout, async (t) => {
        const store = await open(t);
        await store.init();
        const at = NOW.getTime();
        const grants = [grant('old', { expiresAtMs: at - 60_000 }), grant('just-old', { expiresAtMs: at - 1 }), grant('now', { expiresAtMs: at }),
          grant('new', { expiresAtMs: at + 1, kind: 'device_code', userCode: 'AAAA-BBBB' })];
        for (const g of grants) await store.putGrant(g);
        assert.equal(await store.purgeGrants(at), 2);
        assert.deepEqual([await store.findGrant('old'), await store.findGrant('just-old')], [undefined, undefined]);
        assert.deepEqual(await store.findGrant('now'), grants[2]);
        assert.deepEqual(await store.findGrantByUserCode('AAAA-BBBB'), grants[3]);
        assert.equal(await store.purgeGrants(at), 0);
        assert.equal(await store.purgeGrants(at + 2), 2);
        assert.equal(await storedGrants(store), 0);
      });

      test("sign-in writes do not call the store's data-change listeners", timeout, async (t) => {
        const { store, plan } = await demoStore(open, t);
        const admin = planIndex(plan).principal(DEMO.fabrikam, 'admin@fabrikam.example').objectId;
        let changes = 0;
        store.onDataChanged(() => changes++);
        await store.hearingOthers();
        changes = 0;
        await store.putConsent({ tenantId: DEMO.fabrikam, clientId: DEMO.fabrikamAutomation, principalObjectId: admin, scopes: [PC_SCOPE], grantedAtMs: 1 });
        await store.deleteConsent(DEMO.fabrikam, DEMO.fabrikamAutomation, admin);
        await store.putGrant(grant('quiet'));
        await store.updateGrant('quiet', 'issued', 'redeemed');
        await store.purgeGrants(NOW.getTime() + 3_600_000);
        await new Promise((resolve) => setTimeout(resolve, 500));
        assert.equal(changes, 0);
      });
    });
    importConflictContract(open);
  });
}

// ---------------------------------------------------------------------------------------------
// Signing keys: rows only (which key signs and which are published is identity/signing-key-rules.ts).
// Run by each backend file next to storeContract.

type StoredSigningKey = import('../../src/store/store.js').StoredSigningKey;

/** A key row; the store never looks inside the JWK or the certificate, so these need not be real. */
function signingKeyRow(kid: string, fields: Partial<StoredSigningKey> = {}): StoredSigningKey {
  return {
    kid,
    privateJwk: { kty: 'RSA', n: `n-of-${kid}`, e: 'AQAB', d: `d-of-${kid}`, nested: { list: [1, 'two', null] } },
    certificate: `MIIC-${kid}`,
    createdAtMs: Date.parse('2026-06-01T00:00:00.123Z'),
    signsFromMs: Date.parse('2026-06-01T02:00:00.456Z'),
    publishedUntilMs: null,
    ...fields,
  };
}

export function signingKeyContract(name: string, open: OpenStore): void {
  describe(`${name} store: signing keys`, () => {
    const timeout = { timeout: 60_000 };

    test('an empty store lists none; keys come back as written, oldest first (then by kid)', timeout, async (t) => {
      const store = await open(t);
      await store.init();
      assert.deepEqual(await store.signingKeys(), []);
      const later = signingKeyRow('b-later', { createdAtMs: Date.parse('2026-06-02T00:00:00Z'), publishedUntilMs: Date.parse('9999-12-31T23:59:59.999Z') });
      const sameTime = signingKeyRow('a-later', { createdAtMs: later.createdAtMs });
      const first = signingKeyRow('z-first', { createdAtMs: Date.parse('2026-05-01T00:00:00Z'), signsFromMs: 0 });
      for (const key of [later, sameTime, first]) assert.equal(await store.insertSigningKey(key), true);
      assert.deepEqual(await store.signingKeys(), [first, sameTime, later]);
    });

    test('an insert whose kid is taken changes nothing and says so', timeout, async (t) => {
      const store = await open(t);
      await store.init();
      const key = signingKeyRow('same-kid');
      assert.equal(await store.insertSigningKey(key), true);
      assert.equal(await store.insertSigningKey({ ...key, certificate: 'other', signsFromMs: 1 }), false);
      assert.deepEqual(await store.signingKeys(), [key]);
    });

    test('onlyIfNone inserts only into a store holding no key', timeout, async (t) => {
      const store = await open(t);
      await store.init();
      assert.equal(await store.insertSigningKey(signingKeyRow('first'), { onlyIfNone: true }), true);
      assert.equal(await store.insertSigningKey(signingKeyRow('second'), { onlyIfNone: true }), false);
      assert.equal(await store.insertSigningKey(signingKeyRow('third')), true);
      assert.deepEqual((await store.signingKeys()).map((key) => key.kid), ['first', 'third']);
    });

    test('first inserts racing from two stores on one database: exactly one wins, and both read the winner', timeout, async (t) => {
      const store = await open(t);
      await store.init();
      const second = reopen(store);
      try {
        await second.init();
        const results = await Promise.all(Array.from({ length: 12 }, (_, i) =>
          (i % 2 === 0 ? store : second).insertSigningKey(signingKeyRow(`racer-${i}`), { onlyIfNone: true })));
        assert.equal(results.filter(Boolean).length, 1, JSON.stringify(results));
        const winner = `racer-${results.indexOf(true)}`;
        assert.deepEqual((await store.signingKeys()).map((key) => key.kid), [winner]);
        assert.deepEqual((await second.signingKeys()).map((key) => key.kid), [winner]);
      } finally {
        await second.close();
      }
    });

    test('published_until is set and cleared; an unknown kid changes nothing', timeout, async (t) => {
      const store = await open(t);
      await store.init();
      const key = signingKeyRow('k');
      await store.insertSigningKey(key);
      const until = Date.parse('2026-06-01T03:01:00.789Z');
      assert.equal(await store.setSigningKeyPublishedUntil('k', until), true);
      assert.deepEqual(await store.signingKeys(), [{ ...key, publishedUntilMs: until }]);
      assert.equal(await store.setSigningKeyPublishedUntil('k', null), true);
      assert.deepEqual(await store.signingKeys(), [key]);
      assert.equal(await store.setSigningKeyPublishedUntil('never-stored', until), false);
      assert.deepEqual(await store.signingKeys(), [key]);
    });

    test('key writes tell this store\u2019s data-change listeners and, promptly, another store\u2019s on the same database', timeout, async (t) => {
      const store = await open(t);
      await store.init();
      const second = reopen(store);
      try {
        await second.init();
        let here = 0;
        let there = 0;
        store.onDataChanged(() => here++);
        second.onDataChanged(() => there++);
        await Promise.all([store.hearingOthers(), second.hearingOthers()]);
        [here, there] = [0, 0]; // PostgreSQL's catch-up notice, once LISTEN is in place
        const heard = async (what: string, minimum: number) => {
          const deadline = Date.now() + 5000;
          while (there < minimum && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
          assert.ok(there >= minimum, `the other store heard of ${what}`);
        };
        await store.insertSigningKey(signingKeyRow('k'));
        assert.ok(here >= 1, 'this store\u2019s listeners are told at once');
        await heard('the insert', 1);
        const afterInsert = there;
        await store.setSigningKeyPublishedUntil('k', Date.parse('2026-06-01T03:00:00Z'));
        assert.ok(here >= 2);
        await heard('the new published_until', afterInsert + 1);
      } finally {
        await second.close();
      }
    });
  });
}

// ---------------------------------------------------------------------------------------------
// `pcapi export`: the store as a seed document, imported again into an empty store.

/**
 * The export round trip: the demo (plus consents and a disabled user) exported, the document imported
 * into an empty store of the same backend, which then decides, authenticates and exports the same.
 */
export function exportRoundTripContract(name: string, open: OpenStore): void {
  describe(`${name} store: export round trip`, () => {
    const AZURE_CLI = '04b07795-8ddb-461a-bbee-02f9e1bf7b46';
    const DISABLED_USER = 'disabled@fabrikam.example';
    const SETTINGS = { nestedGroups: false, servicePrincipalsInGdapGroups: true };

    function richDemo(): SeedDocument {
      const document = demoDocument();
      const fabrikam = document.partners.find((partner) => partner.tenantId === DEMO.fabrikam)!;
      fabrikam.users!.push({ userPrincipalName: DISABLED_USER, displayName: 'Fabrikam Former Admin', password: DEMO.secret, accountEnabled: false, agentRoles: ['AdminAgents'] });
      fabrikam.consents = [
        ...(fabrikam.consents ?? []),
        { clientId: DEMO.fabrikamAutomation, user: 'admin@fabrikam.example', scopes: ['https://api.partnercenter.microsoft.com/user_impersonation', 'https://graph.microsoft.com/User.Read'] },
        { clientId: AZURE_CLI, scopes: ['https://api.partnercenter.microsoft.com/user_impersonation'] },
      ];
      return document;
    }

    test('importing the export into an empty store gives the same decisions, credentials and export', { timeout: 60_000 }, async (t) => {
      const source = await open(t);
      await source.init();
      await importDocument(source, richDemo());
      const exported = exportSeed(await source.exportRows());

      const copy = await open(t);
      await copy.init();
      // A later `now`: the export holds absolute dates, so the import's clock changes nothing.
      await importDocument(copy, structuredClone(exported), LATER);

      // (c) exporting the copy gives the identical document.
      assert.deepEqual(exportSeed(await copy.exportRows()), exported);

      // (a) every principal × every demo customer: the same facts and the same decision.
      const principals = (await source.exportRows()).principals;
      assert.ok(principals.some((p) => p.userPrincipalName === DISABLED_USER));
      for (const principal of principals) {
        const partnerName = exported.partners.find((partner) => partner.tenantId === principal.tenantId)!.displayName;
        for (const customerTenantId of [...DEMO_CUSTOMERS, NEVER_EXISTED]) {
          for (const maxGroupDepth of [1, 5]) {
            const query = { partnerTenantId: principal.tenantId, principalObjectId: principal.objectId, customerTenantId, maxGroupDepth };
            const [before, after] = [await source.accessFacts(query), await copy.accessFacts(query)];
            assert.deepEqual(after, before, `facts of ${principal.displayName} on ${customerTenantId} (depth ${maxGroupDepth})`);
            const decide = (facts: AccessFacts) => authorize(
              { partnerTenantId: principal.tenantId, partnerName, customerTenantId, callerName: principal.userPrincipalName ?? principal.displayName, facts, now: NOW },
              { ...SETTINGS, nestedGroups: maxGroupDepth > 1 },
            );
            assert.deepEqual(decide(after), decide(before), `decision for ${principal.displayName} on ${customerTenantId}`);
          }
        }
        // (b) the same credentials, accounts and app settings.
        assert.deepEqual(await copy.findPrincipal(principal.tenantId, principal.objectId), await source.findPrincipal(principal.tenantId, principal.objectId));
      }
      const admin = await copy.findUserByName(DEMO.fabrikam, 'admin@fabrikam.example');
      assert.equal(await verifySecret(DEMO.secret, admin?.credentialHash), true, 'the demo password still signs the admin in');
      assert.equal(await verifySecret(DEMO.secret, (await copy.findAppByClientId(DEMO.fabrikam, DEMO.fabrikamAutomation))?.credentialHash), true);
      assert.equal((await copy.findUserByName(DEMO.fabrikam, DISABLED_USER))?.accountEnabled, false);

      // Consents: the same scopes for the same (client, user); only the grant time is the import's.
      const withoutTime = (consents: StoredConsent[]) => consents.map(({ grantedAtMs: _, ...rest }) => rest);
      for (const clientId of [DEMO.fabrikamAutomation, AZURE_CLI]) {
        const query = [DEMO.fabrikam, clientId, admin!.objectId] as const;
        const consents = await copy.consents(...query);
        assert.ok(consents.length > 0);
        assert.deepEqual(withoutTime(consents), withoutTime(await source.consents(...query)));
      }
    });

    test('an empty store exports no partners; the demo exports hashes and absolute dates, never a secret in clear', async (t) => {
      const empty = await open(t);
      await empty.init();
      assert.deepEqual(exportSeed(await empty.exportRows()), { description: EXPORT_DESCRIPTION, partners: [] });
      const early = await open(t);
      await early.init();
      await importDocument(early, demoDocument(), NOW);
      const document = exportSeed(await early.exportRows());
      for (const partner of document.partners) {
        for (const user of partner.users ?? []) assert.match(user.passwordHash ?? '', /^scrypt\$/, `${user.userPrincipalName} has a hash, no password`);
        for (const customer of partner.customers ?? []) {
          for (const relationship of customer.gdapRelationships ?? []) assert.match(relationship.createdDateTime!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
        }
      }
      assert.ok(!JSON.stringify(document).includes(DEMO.secret), 'no secret in clear');
    });
  });
}
