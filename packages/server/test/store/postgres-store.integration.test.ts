/**
 * The store contract on PostgreSQL (a fresh database per test on the local server), plus
 * PostgreSQL-only behaviour and a cross-backend comparison with SQLite. PostgreSQL must answer at
 * PCAPI_TEST_POSTGRES (default postgres://postgres@127.0.0.1:5432/test): these tests fail, never skip, when it does not.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import pg from 'pg';
import type { AccessFacts } from '../../src/domain/model.js';
import type { SeedPlan } from '../../src/seed/seed-plan.js';
import { openStore } from '../../src/store/open-store.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { StoreOpenError, StoreUnavailableError, type Store } from '../../src/store/store.js';
import { ADMIN_URL, createTestDatabase, databaseUrl, PostgresProxy } from '../helpers/postgres.js';
import { closedPort } from '../helpers/ports.js';
import {
  DEMO, DEMO_CUSTOMERS, DEMO_ROWS, LATER, NEVER_EXISTED, NOW, demoDocument, dumpTables, importDocument, indexedGuid, knownMigrationVersions, recordedMigrationVersions, largeDocument, largeDocumentRows,
  nestedGroupsDocument, planFor, planIndex, storeContract,
} from './store-contract.js';
import { gdapStoreContract } from './gdap-store-contract.js';
import { auditStoreContract } from './audit-store-contract.js';
import { consoleStoreContract } from './console-store-contract.js';
import { exportRoundTripContract, signingKeyContract } from './store-contract.js';

/** A fresh, not yet initialized store on a new database; closed and the database dropped after the test. */
async function openPostgres(t: TestContext): Promise<PostgresStore> {
  const database = await createTestDatabase();
  const store = new PostgresStore(database.url);
  t.after(async () => {
    await store.close().catch(() => undefined);
    await database.drop();
  });
  return store;
}

async function openSqlite(t: TestContext): Promise<SqliteStore> {
  const dir = mkdtempSync(join(tmpdir(), 'pcapi-compare-'));
  const store = new SqliteStore(join(dir, 'pcapi.db'));
  t.after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return store;
}

/** A TCP port nothing listens on. */
test('PostgreSQL answers at the test URL (the PostgreSQL tests fail, never skip, without it)', async () => {
  const client = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 5000 });
  await client.connect().catch((error: Error) => {
    throw new Error(`PostgreSQL is not answering at ${ADMIN_URL}: ${error.message}`);
  });
  try {
    assert.equal((await client.query<{ one: number }>('SELECT 1 AS one')).rows[0]?.one, 1);
  } finally {
    await client.end();
  }
});

storeContract('PostgreSQL', openPostgres);
signingKeyContract('PostgreSQL', openPostgres);
exportRoundTripContract('PostgreSQL', openPostgres);
gdapStoreContract('PostgreSQL', openPostgres);
auditStoreContract('PostgreSQL', openPostgres);
consoleStoreContract('PostgreSQL', openPostgres);

/** A store on a new database reached through a proxy the test can cut; all of it removed after the test. */
async function storeBehindProxy(t: TestContext, existingDatabase?: string): Promise<{ store: PostgresStore; proxy: PostgresProxy }> {
  const database = existingDatabase === undefined ? await createTestDatabase() : undefined;
  const proxy = new PostgresProxy();
  await proxy.start();
  const store = new PostgresStore(databaseUrl(database?.name ?? existingDatabase!, proxy.port));
  t.after(async () => {
    await store.close().catch(() => undefined);
    await proxy.cut();
    await database?.drop();
  });
  return { store, proxy };
}

describe('PostgreSQL store specifics', () => {
  test('cutting the connection makes reads fail fast with StoreUnavailableError; restoring it makes the same store work again', { timeout: 60_000 }, async (t) => {
    const { store, proxy } = await storeBehindProxy(t);
    await store.init();
    const plan = await planFor(store, demoDocument());
    await store.importSeed(plan);
    const admin = planIndex(plan).principal(DEMO.fabrikam, 'admin@fabrikam.example');
    const reads: [string, () => Promise<unknown>][] = [
      ['isEmpty', () => store.isEmpty()],
      ['findPartnerTenant', () => store.findPartnerTenant('fabrikam.example')],
      ['isPartnerTenant', () => store.isPartnerTenant(DEMO.fabrikam)],
      ['findUserByName', () => store.findUserByName(DEMO.fabrikam, 'admin@fabrikam.example')],
      ['findAppByClientId', () => store.findAppByClientId(DEMO.fabrikam, DEMO.fabrikamAutomation)],
      ['findPrincipal', () => store.findPrincipal(DEMO.fabrikam, admin.objectId)],
      ['credentialHashes', () => store.credentialHashes([admin.objectId])],
      ['relationshipDates', () => store.relationshipDates(plan.relationships.map((r) => r.id))],
      ['accessFacts', () => store.accessFacts({ partnerTenantId: DEMO.fabrikam, principalObjectId: admin.objectId, customerTenantId: DEMO.contoso, maxGroupDepth: 16 })],
      ['organization', () => store.organization(DEMO.contoso)],
    ];
    const healthy = new Map<string, unknown>();
    for (const [name, read] of reads) healthy.set(name, await read());

    await proxy.cut();
    for (const [name, read] of reads) {
      const started = Date.now();
      await assert.rejects(read(), (error: Error) => {
        assert.ok(error instanceof StoreUnavailableError, `${name}: ${error.name}: ${error.message}`);
        return true;
      });
      assert.ok(Date.now() - started < 4000, `${name} took ${Date.now() - started} ms to fail`);
    }
    const started = Date.now();
    await assert.rejects(store.importSeed(plan), StoreUnavailableError);
    assert.ok(Date.now() - started < 4000, `importSeed took ${Date.now() - started} ms to fail`);

    await proxy.restore();
    for (const [name, read] of reads) assert.deepEqual(await read(), healthy.get(name), `${name} after the restore`);
    assert.deepEqual(await store.importSeed(plan), { inserted: 0, updated: 0, unchanged: DEMO_ROWS });
  });

  test('a connection lost in the middle of an import gives StoreUnavailableError and imports nothing', { timeout: 60_000 }, async (t) => {
    const { store, proxy } = await storeBehindProxy(t);
    await store.init();
    const document = demoDocument();
    const [fabrikam, adatum] = [await planFor(store, { partners: [document.partners[0]!] }), await planFor(store, { partners: [document.partners[1]!] })];
    let applied!: () => void;
    let release!: () => void;
    const firstApplied = new Promise<void>((resolve) => (applied = resolve));
    const gate = new Promise<void>((resolve) => (release = resolve));
    const importing = store.importSeed((async function* () {
      yield fabrikam;
      applied();
      await gate;
      yield adatum;
    })());
    importing.catch(() => undefined);
    await firstApplied;
    await proxy.cut();
    release();
    const started = Date.now();
    await assert.rejects(importing, (error: Error) => {
      assert.ok(error instanceof StoreUnavailableError, `${error.name}: ${error.message}`);
      return true;
    });
    assert.ok(Date.now() - started < 4000, `took ${Date.now() - started} ms`);
    await proxy.restore();
    assert.equal(await store.isEmpty(), true, 'nothing of the first chunk was committed');
    assert.deepEqual(await store.importSeed(await planFor(store, demoDocument())), { inserted: DEMO_ROWS, updated: 0, unchanged: 0 });
  });

  test('init() against a closed port throws StoreOpenError naming host and port, never the password', { timeout: 30_000 }, async () => {
    const port = await closedPort();
    const password = 'Sup3r-S3cret-pw';
    const url = `postgres://pcapi:${password}@127.0.0.1:${port}/pcapi`;
    for (const open of [() => openStore({ kind: 'postgres', url }), async () => {
      const store = new PostgresStore(url);
      try {
        await store.init();
      } finally {
        await store.close();
      }
    }]) {
      const started = Date.now();
      await assert.rejects(open(), (error: Error) => {
        assert.ok(error instanceof StoreOpenError, `${error.name}: ${error.message}`);
        assert.ok(error.message.includes(`127.0.0.1:${port}`), error.message);
        for (const text of [error.message, String(error.stack), JSON.stringify(error)]) assert.ok(!text.includes(password), `password in: ${text}`);
        return true;
      });
      assert.ok(Date.now() - started < 4000, `took ${Date.now() - started} ms`);
    }
  });

  test('a database with a newer schema version than this pcapi knows is refused and not changed', async (t) => {
    const store = await openPostgres(t);
    await store.init();
    await importDocument(store, demoDocument());
    const database = new URL(store.location).pathname.slice(1);
    const client = new pg.Client({ connectionString: databaseUrl(database) });
    await client.connect();
    try {
      await client.query("INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'from-the-future', now())");
    } finally {
      await client.end();
    }
    const before = await dumpTables(store);
    await assert.rejects(openStore({ kind: 'postgres', url: databaseUrl(database) }), (error: Error) => {
      assert.ok(error instanceof StoreOpenError, `${error.name}: ${error.message}`);
      assert.match(error.message, /999/);
      return true;
    });
    assert.deepEqual(await dumpTables(store), before);
  });

  test('eight stores initializing the same new database at once all succeed (advisory lock)', { timeout: 60_000 }, async (t) => {
    const first = await openPostgres(t);
    const url = databaseUrl(new URL(first.location).pathname.slice(1));
    const others = Array.from({ length: 7 }, () => new PostgresStore(url));
    try {
      const results = await Promise.allSettled([first, ...others].map((store) => store.init()));
      assert.deepEqual(results.map((r) => (r.status === 'rejected' ? String(r.reason) : 'ok')), Array(8).fill('ok'));
      assert.deepEqual(recordedMigrationVersions(await dumpTables(first)), knownMigrationVersions(first));
    } finally {
      for (const store of others) await store.close();
    }
  });

  test('a plan larger than one 5000-row batch (12,000 customers) imports, and re-imports with no changes', { timeout: 180_000 }, async (t) => {
    const store = await openPostgres(t);
    await store.init();
    const size = { customers: 12_000, users: 5_200, relationships: 5_200 };
    const first = await importDocument(store, largeDocument(size));
    assert.deepEqual(first, { inserted: largeDocumentRows(size), updated: 0, unchanged: 0 });
    const dump = await dumpTables(store);
    assert.deepEqual([dump.customer_tenants?.length, dump.partner_customers?.length, dump.principals?.length, dump.group_members?.length, dump.access_assignments?.length],
      [12_000, 12_000, 5_200, 5_200 + 2_600, 5_200]);
    assert.deepEqual(await importDocument(store, largeDocument(size), LATER), { inserted: 0, updated: 0, unchanged: largeDocumentRows(size) });
    const last = (await store.organization('c0c0c0c0-0000-4000-8000-000000002edf'))!;
    assert.deepEqual([last.street, last.technicalNotificationMails], ['11999 Main Street', ['it11999@customer.example']]);
    assert.deepEqual(await dumpTables(store), dump);
  });
});

describe('PostgreSQL import, after the commit', () => {
  test('an ANALYZE after COMMIT that times out (a lock held elsewhere) is a warning: the import is committed and reported so', { timeout: 120_000 }, async (t) => {
    const database = await createTestDatabase();
    const store = new PostgresStore(database.url, { statementTimeoutMs: 2000 });
    // Writes go through (ROW EXCLUSIVE does not conflict), but ANALYZE needs SHARE UPDATE EXCLUSIVE.
    const locker = new pg.Client({ connectionString: database.url });
    t.after(async () => {
      await locker.end().catch(() => undefined);
      await store.close().catch(() => undefined);
      await database.drop();
    });
    await store.init();
    await locker.connect();
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE partner_tenants IN SHARE UPDATE EXCLUSIVE MODE');
    const size = { customers: 5_000, users: 0, relationships: 0 };
    const summary = await importDocument(store, largeDocument(size));
    await locker.query('ROLLBACK');
    assert.ok(largeDocumentRows(size) >= 10_000, 'enough rows to refresh statistics');
    assert.deepEqual([summary.inserted, summary.updated, summary.unchanged], [largeDocumentRows(size), 0, 0]);
    assert.equal(summary.warnings?.length, 1, JSON.stringify(summary));
    assert.match(summary.warnings![0]!, /^the import was committed, but refreshing the query planner's statistics \(ANALYZE\) failed: canceling statement due to statement timeout/);
    assert.equal((await dumpTables(store)).customer_tenants?.length, 5_000, 'committed');
    assert.equal((await store.organization(indexedGuid('c0c0c0c0', 4_999)))?.street, '4999 Main Street', 'the same store works on');
  });
});

describe('SQLite and PostgreSQL answer identically', () => {
  /** Both stores, initialized, with the same plan imported (planned once, so credential hashes match too). */
  async function bothWith(t: TestContext, plan: (store: Store) => Promise<SeedPlan>) {
    const sqlite = await openSqlite(t);
    const postgres = await openPostgres(t);
    await sqlite.init();
    await postgres.init();
    const planned = await plan(sqlite);
    const summaries = [await sqlite.importSeed(planned), await postgres.importSeed(planned)];
    assert.deepEqual(summaries[1], summaries[0], 'import summaries');
    return { sqlite, postgres, plan: planned };
  }

  async function compareFacts(sqlite: Store, postgres: Store, plan: SeedPlan, depths: number[]): Promise<number> {
    const partners = [...plan.partners.map((p) => p.tenantId), NEVER_EXISTED];
    const principals = [...plan.principals.map((p) => p.objectId), ...plan.groups.map((g) => g.groupId).slice(0, 2), NEVER_EXISTED];
    const customers = [...DEMO_CUSTOMERS, DEMO.fabrikam, NEVER_EXISTED];
    let compared = 0;
    for (const partnerTenantId of partners) {
      for (const principalObjectId of principals) {
        for (const customerTenantId of customers) {
          for (const maxGroupDepth of depths) {
            const query = { partnerTenantId, principalObjectId, customerTenantId, maxGroupDepth };
            const [fromSqlite, fromPostgres]: AccessFacts[] = [await sqlite.accessFacts(query), await postgres.accessFacts(query)];
            assert.deepEqual(fromPostgres, fromSqlite, JSON.stringify(query));
            compared++;
          }
        }
      }
    }
    return compared;
  }

  test('accessFacts for every demo caller, partner and customer, at depth 1 and 16', { timeout: 120_000 }, async (t) => {
    const { sqlite, postgres, plan } = await bothWith(t, (store) => planFor(store, demoDocument(), NOW));
    const compared = await compareFacts(sqlite, postgres, plan, [1, 16]);
    assert.ok(compared > 300, `${compared} comparisons`);
    // The comparison is not vacuous: the demo admin sees Contoso with a relationship and groups.
    const admin = planIndex(plan).principal(DEMO.fabrikam, 'admin@fabrikam.example');
    const facts = await postgres.accessFacts({ partnerTenantId: DEMO.fabrikam, principalObjectId: admin.objectId, customerTenantId: DEMO.contoso, maxGroupDepth: 1 });
    assert.equal(facts.memberships.length, 5);
    assert.equal(facts.relationships[0]?.accessAssignments.length, 1);
  });

  test('accessFacts with nested groups and a cycle, at depths 1, 2, 3 and 16', { timeout: 120_000 }, async (t) => {
    const { sqlite, postgres, plan } = await bothWith(t, (store) => planFor(store, nestedGroupsDocument(), NOW));
    await compareFacts(sqlite, postgres, plan, [1, 2, 3, 16]);
  });

  test('lookups, organization, credential hashes and relationship dates', { timeout: 60_000 }, async (t) => {
    const { sqlite, postgres, plan } = await bothWith(t, (store) => planFor(store, demoDocument(), NOW));
    const same = async (what: string, read: (store: Store) => Promise<unknown>) => assert.deepEqual(await read(postgres), await read(sqlite), what);
    for (const key of [DEMO.fabrikam, DEMO.adatum.toUpperCase(), 'fabrikam.example', 'ADATUM.example', DEMO.contoso, NEVER_EXISTED]) {
      await same(`findPartnerTenant ${key}`, (store) => store.findPartnerTenant(key));
      await same(`isPartnerTenant ${key}`, (store) => store.isPartnerTenant(key));
    }
    for (const tenant of [DEMO.fabrikam, DEMO.adatum]) {
      for (const principal of plan.principals) {
        await same(`findPrincipal ${tenant} ${principal.objectId}`, (store) => store.findPrincipal(tenant, principal.objectId));
        if (principal.userPrincipalName) await same(`findUserByName ${principal.userPrincipalName}`, (store) => store.findUserByName(tenant, principal.userPrincipalName!.toUpperCase()));
        if (principal.clientId) await same(`findAppByClientId ${principal.clientId}`, (store) => store.findAppByClientId(tenant, principal.clientId!.toUpperCase()));
      }
    }
    for (const customer of [...DEMO_CUSTOMERS, NEVER_EXISTED]) await same(`organization ${customer}`, (store) => store.organization(customer));
    await same('credentialHashes', (store) => store.credentialHashes([...plan.principals.map((p) => p.objectId), NEVER_EXISTED]));
    await same('relationshipDates', (store) => store.relationshipDates([...plan.relationships.map((r) => r.id), NEVER_EXISTED]));
    await same('isEmpty', (store) => store.isEmpty());
  });

  test('the same changed plan gives the same summary and the same facts afterwards', { timeout: 120_000 }, async (t) => {
    const { sqlite, postgres } = await bothWith(t, (store) => planFor(store, demoDocument(), NOW));
    const document = demoDocument();
    const fabrikam = document.partners[0]!;
    fabrikam.customers![0]!.gdapRelationships![0]!.status = 'terminated';
    fabrikam.customers![3]!.gdapRelationships![0]!.accessAssignments = [];
    fabrikam.users![0]!.memberOf = ['GDAP Readers'];
    fabrikam.users!.push({ userPrincipalName: 'new@fabrikam.example', agentRoles: ['SalesAgents'] });
    fabrikam.customers![0]!.gdapRelationships![0]!.accessAssignments!.push({ securityGroup: 'Tailspin Admins', roles: ['Global Reader'] });
    const changed = await planFor(sqlite, document, LATER);
    const summaries = [await sqlite.importSeed(changed), await postgres.importSeed(changed)];
    assert.deepEqual(summaries[1], summaries[0]);
    await compareFacts(sqlite, postgres, changed, [1]);
  });

  test('an ill-typed plan (a group agentRole outside the CHECK list) fails the same way on both and changes nothing', { timeout: 60_000 }, async (t) => {
    const { sqlite, postgres } = await bothWith(t, (store) => planFor(store, demoDocument(), NOW));
    const bad = await planFor(sqlite, demoDocument(), NOW);
    bad.partners[0]!.displayName = 'Fabrikam Renamed';
    (bad.groups[0] as { agentRole: string }).agentRole = 'SuperAgents';
    const outcome = async (store: Store) => {
      const before = await dumpTables(store);
      const error = await store.importSeed(bad).then(() => undefined, (caught: Error) => caught);
      assert.ok(error, `${store.constructor.name} accepted the plan`);
      assert.deepEqual(await dumpTables(store), before, `${store.constructor.name} changed data`);
      return error.name;
    };
    const [fromSqlite, fromPostgres] = [await outcome(sqlite), await outcome(postgres)];
    assert.equal(fromPostgres, fromSqlite, `SQLite throws ${fromSqlite}, PostgreSQL throws ${fromPostgres}`);
  });
});

describe('PostgreSQL sign-in rows', () => {
  const PC_SCOPE = 'https://api.partnercenter.microsoft.com/user_impersonation';
  const code = (id: string) => ({ id, kind: 'code' as const, userCode: null, state: 'issued', payload: { n: 1 }, expiresAtMs: NOW.getTime() });

  test('consent and grant calls fail fast with StoreUnavailableError while the connection is cut, and work again after', { timeout: 60_000 }, async (t) => {
    const { store, proxy } = await storeBehindProxy(t);
    await store.init();
    await store.importSeed(await planFor(store, demoDocument()));
    const consent = { tenantId: DEMO.fabrikam, clientId: DEMO.fabrikamAutomation, principalObjectId: '', scopes: [PC_SCOPE], grantedAtMs: 1 };
    await proxy.cut();
    const calls: [string, () => Promise<unknown>][] = [
      ['consents', () => store.consents(DEMO.fabrikam, DEMO.fabrikamAutomation, NEVER_EXISTED)],
      ['putConsent', () => store.putConsent(consent)],
      ['deleteConsent', () => store.deleteConsent(DEMO.fabrikam, DEMO.fabrikamAutomation, '')],
      ['putGrant', () => store.putGrant(code('cut'))],
      ['findGrant', () => store.findGrant('cut')],
      ['findGrantByUserCode', () => store.findGrantByUserCode('ABCD-EFGH')],
      ['updateGrant', () => store.updateGrant('cut', 'issued', 'redeemed')],
      ['purgeGrants', () => store.purgeGrants(NOW.getTime())],
    ];
    for (const [name, call] of calls) {
      const started = Date.now();
      await assert.rejects(call(), (error: Error) => {
        assert.ok(error instanceof StoreUnavailableError, `${name}: ${error.name}: ${error.message}`);
        return true;
      });
      assert.ok(Date.now() - started < 4000, `${name} took ${Date.now() - started} ms to fail`);
    }
    await proxy.restore();
    await store.putConsent(consent);
    assert.deepEqual(await store.consents(DEMO.fabrikam, DEMO.fabrikamAutomation, NEVER_EXISTED), [{ ...consent, tenantId: DEMO.fabrikam }]);
    await store.putGrant(code('back'));
    assert.equal(await store.updateGrant('back', 'issued', 'redeemed'), true);
  });

  test("sign-in writes send no NOTIFY: another process's store hears imports, not consents or grants", { timeout: 60_000 }, async (t) => {
    const store = await openPostgres(t);
    await store.init();
    const plan = await planFor(store, demoDocument());
    await store.importSeed(plan);
    const other = new PostgresStore(databaseUrl(new URL(store.location).pathname.slice(1)));
    t.after(() => other.close());
    await other.init();
    let heard = 0;
    other.onDataChanged(() => heard++);
    await other.hearingOthers();
    assert.equal(heard, 1, 'the catch-up notice once LISTEN is in place (see the next test)');
    heard = 0;
    const admin = planIndex(plan).principal(DEMO.fabrikam, 'admin@fabrikam.example').objectId;
    await store.putConsent({ tenantId: DEMO.fabrikam, clientId: DEMO.fabrikamAutomation, principalObjectId: admin, scopes: [PC_SCOPE], grantedAtMs: 1 });
    await store.deleteConsent(DEMO.fabrikam, DEMO.fabrikamAutomation, admin);
    await store.putGrant(code('quiet'));
    await store.updateGrant('quiet', 'issued', 'redeemed', { spent: true });
    await store.purgeGrants(NOW.getTime() + 1);
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(heard, 0, 'a sign-in write was heard as a data change');
    // Not vacuous: an import is heard.
    const renamed = demoDocument();
    renamed.partners[0]!.displayName = 'Fabrikam Renamed';
    await store.importSeed(await planFor(store, renamed));
    const deadline = Date.now() + 5000;
    while (heard === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.ok(heard > 0, 'the import was not heard');
  });

  test('a commit made while the LISTEN connection is still being made is heard, and the listener reads it', { timeout: 60_000 }, async (t) => {
    const writer = await openPostgres(t);
    await writer.init();
    await writer.importSeed(await planFor(writer, demoDocument()));
    const { store: reader, proxy } = await storeBehindProxy(t, new URL(writer.location).pathname.slice(1));
    await reader.init(); // its pool's connection is open and carries on through the hold
    proxy.hold();
    const seen: string[] = [];
    // (At teardown the database goes first and the listener is told once more; that read may fail.)
    reader.onDataChanged(() => void reader.emulatorSetting('clock').then((value) => seen.push(JSON.stringify(value)), () => undefined));
    // The LISTEN connection waits at the proxy while another process commits and notifies nobody listening.
    let hearing = false;
    void reader.hearingOthers().then(() => (hearing = true));
    await writer.writeGdap({ kind: 'setEmulatorSetting', name: 'clock', value: { offsetMs: 7, frozenAtMs: null } });
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(hearing, false, 'hearingOthers() settled before LISTEN was in place');
    proxy.release();
    await reader.hearingOthers();
    for (const deadline = Date.now() + 5000; seen.length === 0 && Date.now() < deadline; ) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.deepEqual(seen, [JSON.stringify({ offsetMs: 7, frozenAtMs: null })], 'the commit made before LISTEN was never reported');
  });
});
