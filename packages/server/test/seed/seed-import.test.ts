import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import Database from 'better-sqlite3';
import { ENTRA_ROLES } from '@pcapi/contracts';
import { authorize } from '../../src/domain/authorize.js';
import { verifySecret } from '../../src/identity/secrets.js';
import { DEMO_SEED_FILE, importSeedDocument, importSeedFile } from '../../src/seed/import-seed.js';
import { exportSeed } from '../../src/seed/export-seed.js';
import { IMMEDIATE_DELAYS } from '../../src/domain/gdap-lifecycle.js';
import { SeedError } from '../../src/seed/seed-error.js';
import { parseSeedText } from '../../src/seed/validate-seed.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { DEMO } from '../helpers/test-server.js';

const NOW = new Date('2026-03-01T12:00:00.000Z');
const LATER = new Date('2026-09-01T12:00:00.000Z');
const DAY = 86_400_000;

async function openStore(t: TestContext): Promise<{ store: SqliteStore; file: string; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'pcapi-import-'));
  const file = join(dir, 'pcapi.db');
  const store = new SqliteStore(file);
  await store.init();
  t.after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { store, file, dir };
}

/** Every row of every table, through a second, read-only connection to the same file. */
function dump(file: string): Record<string, string[]> {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[];
    return Object.fromEntries(tables.map(({ name }) => [name, (db.prepare(`SELECT * FROM "${name}"`).all() as object[]).map((row) => JSON.stringify(row)).sort()]));
  } finally {
    db.close();
  }
}

/** Rows present in `after` but not in `before`, and the reverse, per table (only tables that differ). */
function diff(before: Record<string, string[]>, after: Record<string, string[]>) {
  const result: Record<string, { added: string[]; removed: string[] }> = {};
  for (const table of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const b = new Set(before[table]);
    const a = new Set(after[table]);
    const added = [...a].filter((row) => !b.has(row));
    const removed = [...b].filter((row) => !a.has(row));
    if (added.length || removed.length) result[table] = { added, removed };
  }
  return result;
}

function demoJson(): any {
  return JSON.parse(readFileSync(DEMO_SEED_FILE, 'utf8'));
}

async function userId(store: SqliteStore, upn: string): Promise<string> {
  const user = await store.findUserByName(DEMO.fabrikam, upn);
  assert.ok(user, `no user ${upn}`);
  return user.objectId;
}

async function factsFor(store: SqliteStore, upn: string, customer: string, maxGroupDepth = 1) {
  return store.accessFacts({ partnerTenantId: DEMO.fabrikam, principalObjectId: await userId(store, upn), customerTenantId: customer, maxGroupDepth });
}

describe('importing the demo seed', () => {
  test('a first import inserts everything; the same file again changes nothing, even with a later now', async (t) => {
    const { store, file } = await openStore(t);
    assert.equal(await store.isEmpty(), true);
    const first = await importSeedFile(store, DEMO_SEED_FILE, NOW);
    assert.ok(first.inserted > 30, JSON.stringify(first));
    assert.equal(first.updated, 0);
    assert.equal(first.unchanged, 0);
    assert.equal(await store.isEmpty(), false);
    const before = dump(file);
    const endBefore = (await factsFor(store, 'admin@fabrikam.example', DEMO.contoso)).relationships[0]!.endDateTime;
    assert.equal(endBefore, new Date(NOW.getTime() + 300 * DAY).toISOString());

    const second = await importSeedFile(store, DEMO_SEED_FILE, NOW);
    assert.deepEqual({ inserted: second.inserted, updated: second.updated }, { inserted: 0, updated: 0 });
    assert.equal(second.unchanged, first.inserted);

    const third = await importSeedFile(store, DEMO_SEED_FILE, LATER);
    assert.deepEqual({ inserted: third.inserted, updated: third.updated }, { inserted: 0, updated: 0 });
    const endAfter = (await factsFor(store, 'admin@fabrikam.example', DEMO.contoso)).relationships[0]!.endDateTime;
    assert.equal(endAfter, endBefore, 'a relative end date must not move on re-import');
    assert.deepEqual(dump(file), before);
  });

  test('its own export imported back changes nothing: a relative date and the instant it was resolved to are the same date', async (t) => {
    const { store, file } = await openStore(t);
    await importSeedFile(store, DEMO_SEED_FILE, NOW);
    const before = dump(file);
    const exported = exportSeed(await store.exportRows(), { now: NOW.getTime(), delays: IMMEDIATE_DELAYS });
    assert.ok(JSON.stringify(exported).includes(new Date(NOW.getTime() + 300 * DAY).toISOString()), 'the export writes instants');
    const again = await importSeedDocument(store, exported, 'export.json', LATER);
    assert.deepEqual({ inserted: again.inserted, updated: again.updated }, { inserted: 0, updated: 0 });
    assert.deepEqual(dump(file), before, 'no row rewritten: etags and the relative dates as written stay');
  });

  test('a changed file updates exactly what changed', async (t) => {
    const { store, file } = await openStore(t);
    await importSeedFile(store, DEMO_SEED_FILE, NOW);
    const before = dump(file);
    const seed = demoJson();
    seed.partners[0].customers[0].gdapRelationships[0].status = 'terminated';
    const sales = seed.partners[0].users.find((u: { userPrincipalName: string }) => u.userPrincipalName === 'sales@fabrikam.example');
    sales.memberOf = [];
    const summary = await importSeedDocument(store, parseSeedText(JSON.stringify(seed), 'changed.json'), 'changed.json', LATER);
    assert.deepEqual({ inserted: summary.inserted, updated: summary.updated }, { inserted: 0, updated: 2 });

    const changes = diff(before, dump(file));
    // The change counter is how other processes learn of the import (migration 006).
    assert.deepEqual(Object.keys(changes).sort(), ['change_counter', 'gdap_relationships', 'group_members']);
    assert.equal(changes.group_members!.added.length, 0);
    assert.equal(changes.group_members!.removed.length, 1);
    assert.equal(JSON.parse(changes.group_members!.removed[0]!).member_id, await userId(store, 'sales@fabrikam.example'));
    const [oldRow, newRow] = [JSON.parse(changes.gdap_relationships!.removed[0]!), JSON.parse(changes.gdap_relationships!.added[0]!)];
    assert.equal(oldRow.display_name, 'Contoso readers');
    // The version is the row's @odata.etag on the Graph surface: any change gives a new one.
    assert.deepEqual({ ...oldRow, status: 'terminated', version: oldRow.version + 1 }, newRow, 'only the status changed; dates kept');

    const facts = await factsFor(store, 'sales@fabrikam.example', DEMO.contoso);
    assert.deepEqual(facts.memberships.map((g) => g.displayName), ['SalesAgents']);
    assert.equal(facts.relationships[0]!.status, 'terminated');
  });

  test('changing only the duration recomputes the end date from the stored activation date', async (t) => {
    const { store, file } = await openStore(t);
    await importSeedFile(store, DEMO_SEED_FILE, NOW);
    const seed = demoJson();
    seed.partners[0].customers[0].gdapRelationships[0].duration = 'P365D';
    const summary = await importSeedDocument(store, parseSeedText(JSON.stringify(seed), 'x'), 'x', LATER);
    assert.equal(summary.updated, 1);
    const row = JSON.parse(dump(file).gdap_relationships!.find((r) => r.includes('"Contoso readers"'))!);
    assert.equal(row.activated_date_time, new Date(NOW.getTime() - 430 * DAY).toISOString(), 'activation date kept');
    assert.equal(row.end_date_time, new Date(Date.parse(row.activated_date_time) + 365 * DAY).toISOString(), 'end = activation + duration');
  });

  test('an assignment dropped from a relationship is removed', async (t) => {
    const { store } = await openStore(t);
    await importSeedFile(store, DEMO_SEED_FILE, NOW);
    const seed = demoJson();
    seed.partners[0].customers[0].gdapRelationships[0].accessAssignments = [];
    const summary = await importSeedDocument(store, parseSeedText(JSON.stringify(seed), 'x'), 'x', NOW);
    assert.equal(summary.updated, 1);
    assert.deepEqual((await factsFor(store, 'admin@fabrikam.example', DEMO.contoso)).relationships[0]!.accessAssignments, []);
  });
});

describe('a bad seed changes nothing', () => {
  test('a semantic error leaves every table as it was', async (t) => {
    const { store, file } = await openStore(t);
    await importSeedFile(store, DEMO_SEED_FILE, NOW);
    const before = dump(file);
    const seed = demoJson();
    seed.partners[0].displayName = 'Fabrikam Renamed';
    seed.partners[0].users[0].memberOf.push('No Such Group');
    await assert.rejects(importSeedDocument(store, parseSeedText(JSON.stringify(seed), 'bad.json'), 'bad.json', NOW), (error: unknown) =>
      error instanceof SeedError && error.problems.some((p) => p.startsWith('$.partners[0].users[0].memberOf[4]: ')));
    assert.deepEqual(dump(file), before);
  });

  test('a file that passes validation but violates a database constraint is rolled back entirely', async (t) => {
    const { store, file } = await openStore(t);
    await importSeedFile(store, DEMO_SEED_FILE, NOW);
    const before = dump(file);
    // Valid on its own, but the UPN already belongs to another object id in the store (unique index
    // principals_upn). Earlier statements of the same import (the partner rename) must be undone.
    const seed = {
      partners: [{
        tenantId: DEMO.fabrikam, displayName: 'Fabrikam Renamed', domain: 'fabrikam.example',
        users: [{ id: '0b9a4c62-3d0e-4f7c-9a51-6c2d8e1f4a70', userPrincipalName: 'admin@fabrikam.example', password: 'other' }],
      }],
    };
    await assert.rejects(
      importSeedDocument(store, parseSeedText(JSON.stringify(seed), 'clash.json'), 'clash.json', NOW),
      (error: Error) => error.name === 'SeedError' && /userPrincipalName .* already belongs to another user id/.test(error.message),
    );
    assert.deepEqual(dump(file), before);
    assert.equal((await store.findPartnerTenant(DEMO.fabrikam))!.displayName, 'Fabrikam');
  });

  test('a bad first import leaves an empty store empty', async (t) => {
    const { store, file } = await openStore(t);
    const before = dump(file);
    const seed = demoJson();
    seed.partners[1].customers[0].gdapRelationships[0].duration = 'P3Y';
    await assert.rejects(importSeedDocument(store, parseSeedText(JSON.stringify(seed), 'x'), 'x', NOW), SeedError);
    assert.deepEqual(dump(file), before);
    assert.equal(await store.isEmpty(), true);
  });
});

describe("ids belong to their partner", () => {
  test("a new partner's file reusing Fabrikam's admin, GDAP group and Contoso relationship is refused, naming each id, both partners and the place; nothing changes", async (t) => {
    const { store, file, dir } = await openStore(t);
    await importSeedFile(store, DEMO_SEED_FILE, NOW);
    const before = dump(file);
    const admin = await userId(store, 'admin@fabrikam.example');
    const facts = await factsFor(store, 'admin@fabrikam.example', DEMO.contoso);
    const readers = facts.memberships.find((group) => group.displayName === 'GDAP Readers')!.groupId;
    const relationship = facts.relationships[0]!.id;
    const newcomer = '7b3e9f1c-2a4d-4e5f-8c6b-0d1e2f3a4b5c';
    const seed = { partners: [{
      tenantId: newcomer, displayName: 'Newcomer',
      securityGroups: [{ id: readers, displayName: 'Mine' }],
      users: [{ id: admin, userPrincipalName: 'boss@newcomer.example', password: 'taken' }],
      customers: [{ tenantId: DEMO.contoso, displayName: 'Contoso', organization: demoJson().partners[0].customers[0].organization,
        gdapRelationships: [{ id: relationship, displayName: 'Mine', status: 'active', roles: ['Global Administrator'] }] }],
    }] };
    const takeover = join(dir, 'takeover.json');
    writeFileSync(takeover, JSON.stringify(seed));
    const error = await importSeedFile(store, takeover, NOW).then(() => undefined, (caught: unknown) => caught);
    assert.ok(error instanceof SeedError, String(error));
    assert.equal(error.source, takeover);
    const both = `of partner "Fabrikam" (${DEMO.fabrikam}) in the store; partner "Newcomer" (${newcomer}) cannot take it over`;
    assert.deepEqual(error.problems.sort(), [
      `$.partners[0].customers[0].gdapRelationships[0].id: relationship id ${relationship} is the relationship "Contoso readers" with customer ${DEMO.contoso} ${both} (ids belong to their partner: leave the id out, or use a new one)`,
      `$.partners[0].securityGroups[0].id: object id ${readers} is security group "GDAP Readers" ${both} (ids belong to their partner: leave the id out, or use a new one)`,
      `$.partners[0].users[0].id: object id ${admin} is user "admin@fabrikam.example" ${both} (ids belong to their partner: leave the id out, or use a new one)`,
    ]);
    assert.deepEqual(dump(file), before);
    assert.equal((await store.findPrincipal(DEMO.fabrikam, admin))?.userPrincipalName, 'admin@fabrikam.example');
  });
});

describe('what the store holds after an import', () => {
  test('secrets are stored as scrypt hashes only, never in clear', async (t) => {
    const { store, file, dir } = await openStore(t);
    await importSeedFile(store, DEMO_SEED_FILE, NOW);
    const admin = await store.findUserByName(DEMO.fabrikam, 'admin@fabrikam.example');
    assert.match(admin!.credentialHash!, /^scrypt\$/);
    assert.equal(await verifySecret(DEMO.secret, admin!.credentialHash!), true);
    const app = await store.findAppByClientId(DEMO.fabrikam, DEMO.fabrikamAutomation);
    assert.equal(await verifySecret(DEMO.secret, app!.credentialHash!), true);
    await store.close();
    for (const name of ['pcapi.db', 'pcapi.db-wal', 'pcapi.db-shm']) {
      const path = join(dir, name);
      if (!existsSync(path)) continue;
      const bytes = readFileSync(path);
      assert.equal(bytes.indexOf('pcapi-demo'), -1, `plaintext secret found in ${name}`);
      assert.equal(bytes.indexOf(Buffer.from('pcapi-demo', 'utf16le')), -1, `plaintext secret found in ${name}`);
    }
    assert.ok(existsSync(file));
  });

  test('accessFacts return the principal, its groups, the customer and the relationships as seeded', async (t) => {
    const { store } = await openStore(t);
    await importSeedFile(store, DEMO_SEED_FILE, NOW);
    const facts = await factsFor(store, 'admin@fabrikam.example', DEMO.contoso);
    assert.equal(facts.principal?.kind, 'user');
    assert.equal(facts.principal?.userPrincipalName, 'admin@fabrikam.example');
    assert.equal(facts.principal?.mfaRegistered, true);
    assert.deepEqual(facts.memberships.map((g) => [g.displayName, g.agentRole, g.depth]).sort(), [
      ['AdminAgents', 'AdminAgents', 1], ['GDAP Readers', null, 1], ['Relecloud Readers', null, 1],
      ['Tailspin Admins', null, 1], ['Woodgrove Helpdesk', null, 1],
    ]);
    assert.deepEqual(facts.customer, {
          customerTenantId: DEMO.contoso, displayName: 'Contoso', dapEnabled: false,
          organization: { street: '1 Microsoft Way', countryLetterCode: 'US', postalCode: '98052-8300', city: 'Redmond', state: 'WA', displayName: 'Contoso', technicalNotificationMails: ['test@contoso.com'] },
        });
    assert.equal(facts.relationships.length, 1);
    const relationship = facts.relationships[0]!;
    assert.deepEqual([relationship.displayName, relationship.status, relationship.roleIds], ['Contoso readers', 'active', [ENTRA_ROLES['Global Reader']]]);
    assert.deepEqual(relationship.accessAssignments.map((a) => [a.groupDisplayName, a.status, a.roleIds]), [['GDAP Readers', 'active', [ENTRA_ROLES['Global Reader']]]]);

    const decision = authorize(
      { partnerTenantId: DEMO.fabrikam, partnerName: 'Fabrikam', customerTenantId: DEMO.contoso, callerName: 'admin@fabrikam.example', facts, now: NOW },
      { nestedGroups: false, servicePrincipalsInGdapGroups: true },
    );
    assert.equal(decision.allowed, true);

    const nomfa = await store.findUserByName(DEMO.fabrikam, 'NOMFA@fabrikam.example');
    assert.equal(nomfa?.mfaRegistered, false);
    const northwind = await factsFor(store, 'admin@fabrikam.example', DEMO.northwind);
    assert.deepEqual([northwind.customer?.dapEnabled, northwind.relationships], [true, []]);
    const tailspin = await factsFor(store, 'admin@fabrikam.example', DEMO.tailspin);
    assert.equal(tailspin.relationships[0]!.status, 'expired');
    assert.equal(tailspin.relationships[0]!.endDateTime, new Date(NOW.getTime() - 10 * DAY).toISOString());
    const relecloud = await factsFor(store, 'admin@fabrikam.example', DEMO.relecloud);
    assert.equal(relecloud.relationships[0]!.endDateTime, null);
    assert.equal(relecloud.relationships[0]!.accessAssignments[0]!.status, 'pending');
    // Litware is Adatum's customer, not Fabrikam's.
    const litware = await factsFor(store, 'admin@fabrikam.example', DEMO.litware);
    assert.deepEqual([litware.customer, litware.relationships], [undefined, []]);
  });

  test('nested groups are returned with their depth up to maxGroupDepth', async (t) => {
    const { store } = await openStore(t);
    const seed = {
      partners: [{
        tenantId: DEMO.fabrikam, displayName: 'Fabrikam',
        securityGroups: [{ displayName: 'Outer' }, { displayName: 'Inner', memberOf: ['Outer'] }],
        users: [{ userPrincipalName: 'nested@fabrikam.example', memberOf: ['Inner'] }],
      }],
    };
    await importSeedDocument(store, parseSeedText(JSON.stringify(seed), 'x'), 'x', NOW);
    const shallow = await factsFor(store, 'nested@fabrikam.example', DEMO.contoso, 1);
    assert.deepEqual(shallow.memberships.map((g) => [g.displayName, g.depth]), [['Inner', 1]]);
    const deep = await factsFor(store, 'nested@fabrikam.example', DEMO.contoso, 5);
    assert.deepEqual(deep.memberships.map((g) => [g.displayName, g.depth]), [['Inner', 1], ['Outer', 2]]);
    assert.equal(deep.customer, undefined);
  });

  test('organization returns what the seed says, with null and [] for missing values', async (t) => {
    const { store } = await openStore(t);
    await importSeedFile(store, DEMO_SEED_FILE, NOW);
    assert.deepEqual(await store.organization(DEMO.contoso), {
      street: '1 Microsoft Way', countryLetterCode: 'US', postalCode: '98052-8300', city: 'Redmond', state: 'WA',
      displayName: 'Contoso', technicalNotificationMails: ['test@contoso.com'],
    });
    assert.deepEqual(await store.organization(DEMO.relecloud.toUpperCase()), {
      street: '12 Cloud Avenue', countryLetterCode: 'DE', postalCode: '10115', city: 'Berlin', state: null,
      displayName: 'Relecloud GmbH', technicalNotificationMails: [],
    });
    assert.equal(await store.organization('00000000-0000-4000-8000-000000000000'), undefined);

    const bare = { partners: [{ tenantId: DEMO.adatum, displayName: 'Adatum', customers: [
      { tenantId: '5f1c3a2e-8d4b-4e6f-a7c9-0b1d2e3f4a5b', displayName: 'Bare Customer' },
      { tenantId: '6a2d4b3f-9e5c-4f70-b8da-1c2e3f4a5b6c', displayName: 'Some Fields', organization: { city: 'Oslo', displayName: null } },
    ] }] };
    await importSeedDocument(store, parseSeedText(JSON.stringify(bare), 'x'), 'x', NOW);
    assert.deepEqual(await store.organization('5f1c3a2e-8d4b-4e6f-a7c9-0b1d2e3f4a5b'), {
      street: null, countryLetterCode: null, postalCode: null, city: null, state: null, displayName: 'Bare Customer', technicalNotificationMails: [],
    });
    assert.deepEqual(await store.organization('6a2d4b3f-9e5c-4f70-b8da-1c2e3f4a5b6c'), {
      street: null, countryLetterCode: null, postalCode: null, city: 'Oslo', state: null, displayName: null, technicalNotificationMails: [],
    });
  });
});
