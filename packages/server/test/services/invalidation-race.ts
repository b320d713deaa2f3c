/**
 * The invalidation race, staged deterministically on any store: an answer is read and held in flight,
 * the data changes (through `importer`, possibly another process's connection) and `serving` hears of
 * it, then the held read completes. Its answer must not be cached.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ManualClock } from '../../src/clock.js';
import { IMMEDIATE_DELAYS } from '../../src/domain/gdap-lifecycle.js';
import type { Caller } from '../../src/domain/model.js';
import { OrganizationService } from '../../src/services/organization-service.js';
import { importSeedDocument } from '../../src/seed/import-seed.js';
import { parseSeedText } from '../../src/seed/validate-seed.js';
import type { Store } from '../../src/store/store.js';
import { DEMO, TEST_EPOCH } from '../helpers/inject-app.js';

type Seed = { partners: { customers?: { tenantId: string; gdapRelationships?: Record<string, unknown>[] }[] }[] };
const demoText = readFileSync(new URL('../../seeds/demo.seed.json', import.meta.url), 'utf8');

/** The demo with Contoso's relationship terminated. */
function terminatedContoso() {
  const seed = JSON.parse(demoText) as Seed;
  seed.partners[0]!.customers!.find((customer) => customer.tenantId === DEMO.contoso)!.gdapRelationships![0]!.status = 'terminated';
  return parseSeedText(JSON.stringify(seed), 'terminated.json');
}

/** A store whose accessFacts answers only once `release()` is called: a read held in flight. */
export function holdingReads(store: Store): { store: Store; release(): void; held: Promise<void> } {
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

export async function automationCaller(store: Store): Promise<Caller> {
  const app = (await store.findAppByClientId(DEMO.fabrikam, DEMO.fabrikamAutomation))!;
  const partner = (await store.findPartnerTenant(DEMO.fabrikam))!;
  return { partner, objectId: app.objectId, appOnly: true, clientId: DEMO.fabrikamAutomation, name: 'Fabrikam Automation', amr: [], expiresAtMs: TEST_EPOCH + 3_600_000, audience: 'partnerCenter', permissions: [] };
}

export const service = (store: Store, clock: ManualClock, ttlSeconds = 3600) =>
  new OrganizationService({ store, clock, settings: { nestedGroups: false, servicePrincipalsInGdapGroups: true }, cache: { ttlSeconds, maxEntries: 1000 }, delays: IMMEDIATE_DELAYS });

/** Resolves when `store` reports a data change. */
const nextChange = (store: Store) => new Promise<void>((resolve) => store.onDataChanged(resolve));

export async function raceScenario(serving: Store, importer: Store) {
  const clock = new ManualClock(TEST_EPOCH);
  const held = holdingReads(serving);
  const organizations = service(held.store, clock);
  const caller = await automationCaller(serving);

  const inFlight = organizations.get(caller, DEMO.contoso);
  await held.held; // the read has its (allowed) facts and is held
  await serving.hearingOthers(); // PostgreSQL's catch-up notice is not the change awaited next
  const changeHeard = nextChange(serving);
  await importSeedDocument(importer, terminatedContoso(), 'terminated.json', new Date(TEST_EPOCH));
  await changeHeard; // the serving store has been told; the held read still carries the old facts
  held.release();
  assert.equal((await inFlight).allowed, true, 'the read in flight answers with what it read');

  const after = await organizations.get(caller, DEMO.contoso);
  assert.equal(after.allowed, false, 'the answer read before the change was not cached after it');
  assert.equal(after.allowed === false && after.reason, 'gdapAccessInsufficient');
}

