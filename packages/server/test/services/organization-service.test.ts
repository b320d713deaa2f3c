/**
 * OrganizationService over real stores: answers are cached, and no answer read before a data change
 * is ever cached after it (the invalidation race), on SQLite and on PostgreSQL, where the read and
 * the change notification travel on different connections. The race is made deterministic by holding
 * the store's answer until the change has been heard.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test, type TestContext } from 'node:test';
import { ManualClock } from '../../src/clock.js';
import type { Caller } from '../../src/domain/model.js';
import { OrganizationService } from '../../src/services/organization-service.js';
import { importSeedDocument } from '../../src/seed/import-seed.js';
import { parseSeedText } from '../../src/seed/validate-seed.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Store } from '../../src/store/store.js';
import { DEMO, plannedDemo, TEST_EPOCH } from '../helpers/inject-app.js';
import { createTestDatabase } from '../helpers/postgres.js';

type Seed = { partners: { customers?: { tenantId: string; gdapRelationships?: Record<string, unknown>[] }[] }[] };
const demoText = readFileSync(new URL('../../seeds/demo.seed.json', import.meta.url), 'utf8');

/** The demo with Contoso's relationship terminated. */
function terminatedContoso() {
  const seed = JSON.parse(demoText) as Seed;
  seed.partners[0]!.customers!.find((customer) => customer.tenantId === DEMO.contoso)!.gdapRelationships![0]!.status = 'terminated';
  return parseSeedText(JSON.stringify(seed), 'terminated.json');
}

/** A store whose accessFacts answers only once `release()` is called: a read held in flight. */
function holdingReads(store: Store): { store: Store; release(): void; held: Promise<void> } {
  let release!: () => void;
  let heldNow!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const held = new Promise<void>((resolve) => (heldNow = resolve));
  const proxy = new Proxy(store, {
    get(target, property) {
      if (property === 'accessFacts') {
        return async (query: Parameters<Store['accessFacts']>[0]) => {
          const facts = await target.accessFacts(query);
          heldNow();
          await gate;
          return facts;
        };
      }
      const value = Reflect.get(target, property) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { store: proxy, release, held };
}

async function automationCaller(store: Store): Promise<Caller> {
  const app = (await store.findAppByClientId(DEMO.fabrikam, DEMO.fabrikamAutomation))!;
  const partner = (await store.findPartnerTenant(DEMO.fabrikam))!;
  return { partner, objectId: app.objectId, appOnly: true, clientId: DEMO.fabrikamAutomation, name: 'Fabrikam Automation', amr: [], expiresAtMs: TEST_EPOCH + 3_600_000 };
}

const service = (store: Store, clock: ManualClock, ttlSeconds = 3600) =>
  new OrganizationService({ store, clock, settings: { nestedGroups: false, servicePrincipalsInGdapGroups: true }, cache: { ttlSeconds, maxEntries: 1000 } });

/** Resolves when `store` reports a data change. */
const nextChange = (store: Store) => new Promise<void>((resolve) => store.onDataChanged(resolve));

async function raceScenario(serving: Store, importer: Store) {
  const clock = new ManualClock(TEST_EPOCH);
  const held = holdingReads(serving);
  const organizations = service(held.store, clock);
  const caller = await automationCaller(serving);

  const inFlight = organizations.get(caller, DEMO.contoso);
  await held.held; // the read has its (allowed) facts and is held
  const changeHeard = nextChange(serving);
  await importSeedDocument(importer, terminatedContoso(), 'terminated.json', new Date(TEST_EPOCH));
  await changeHeard; // the serving store has been told; the held read still carries the old facts
  held.release();
  assert.equal((await inFlight).allowed, true, 'the read in flight answers with what it read');

  const after = await organizations.get(caller, DEMO.contoso);
  assert.equal(after.allowed, false, 'the answer read before the change was not cached after it');
  assert.equal(after.allowed === false && after.reason, 'gdapAccessInsufficient');
}

test('SQLite: an answer read before a data change is not cached after it', async (t: TestContext) => {
  const store = new SqliteStore(':memory:');
  await store.init();
  t.after(() => store.close());
  await store.importSeed(await plannedDemo());
  await raceScenario(store, store);
});

test('PostgreSQL: an answer read before another process\'s change is not cached after its NOTIFY', async (t: TestContext) => {
  const database = await createTestDatabase(t);
  const serving = new PostgresStore(database.url);
  const importer = new PostgresStore(database.url);
  for (const store of [serving, importer]) {
    await store.init();
    t.after(() => store.close());
  }
  await importer.importSeed(await plannedDemo());
  await raceScenario(serving, importer);
});

test('answers are cached until the granting relationship ends, measured by the clock', async (t: TestContext) => {
  const store = new SqliteStore(':memory:');
  await store.init();
  t.after(() => store.close());
  await store.importSeed(await plannedDemo());
  const clock = new ManualClock(TEST_EPOCH);
  let reads = 0;
  const counting = new Proxy(store, {
    get(target, property) {
      const value = Reflect.get(target, property) as unknown;
      if (property === 'accessFacts') return (query: Parameters<Store['accessFacts']>[0]) => (reads++, target.accessFacts(query));
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  // A TTL longer than the relationship, so that only the relationship's end can end the answer.
  const organizations = service(counting, clock, 1000 * 86_400);
  const caller = await automationCaller(store);
  const first = await organizations.get(caller, DEMO.contoso);
  assert.equal(first.allowed, true);
  const cached = organizations.get(caller, DEMO.contoso.toUpperCase());
  assert.ok(!(cached instanceof Promise), 'a cached answer is synchronous, whatever the id\'s case');
  assert.equal(reads, 1);

  const facts = await store.accessFacts({ partnerTenantId: DEMO.fabrikam, principalObjectId: caller.objectId, customerTenantId: DEMO.contoso, maxGroupDepth: 1 });
  const end = Date.parse(facts.relationships[0]!.endDateTime!);
  clock.set(end - 1);
  assert.equal((await organizations.get(caller, DEMO.contoso)).allowed, true, 'still cached just before the end');
  clock.set(end);
  const ended = await organizations.get(caller, DEMO.contoso);
  assert.equal(ended.allowed, false, 'not served past the end of the relationship');
  assert.equal(reads, 2);
});
