/**
 * OrganizationService over an in-memory SQLite store: answers are cached by the clock, and no answer
 * read before a data change is ever cached after it (the invalidation race, made deterministic by
 * holding the store's answer until the change has been heard; on PostgreSQL in
 * organization-service-postgres.integration.test.ts).
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { ManualClock } from '../../src/clock.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Store } from '../../src/store/store.js';
import { DEMO, plannedDemo, TEST_EPOCH } from '../helpers/inject-app.js';
import { automationCaller, raceScenario, service } from './invalidation-race.js';

test('SQLite: an answer read before a data change is not cached after it', async (t: TestContext) => {
  const store = new SqliteStore(':memory:');
  await store.init();
  t.after(() => store.close());
  await store.importSeed(await plannedDemo());
  await raceScenario(store, store);
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
  // Contoso's relationship (Global Reader, auto-extend P180D) extends at its end: decided again there, and allowed.
  const extended = await organizations.get(caller, DEMO.contoso);
  assert.equal(extended.allowed, true, 'auto-extended at its end');
  assert.equal(reads, 2, 'not served from the cache past the end date it was decided on');
  clock.set(end + 180 * 86_400_000 - 1);
  assert.equal((await organizations.get(caller, DEMO.contoso)).allowed, true);
  assert.equal(reads, 2, 'the extended answer is cached until the new end');
});
