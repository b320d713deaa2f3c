/**
 * The fast layer's pcapi: the real app (every hook, service and catalog) built without listening,
 * on an in-memory SQLite store holding the demo dataset, with a fixed signing key and a clock that
 * moves only when the test says. Requests go through Fastify's inject(): no sockets, no processes.
 *
 * The demo seed is planned once per test process (hashing its secrets is the slow part) and applied
 * to each new store, so building an app costs milliseconds.
 */
import { readFileSync } from 'node:fs';
import type { TestContext } from 'node:test';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import type { JWK } from 'jose';
import { buildApp, type AppDeps } from '../../src/app.js';
import { ManualClock } from '../../src/clock.js';
import { resolveServeConfig, type RawServeOptions } from '../../src/config.js';
import { importSigningKey, type SigningKey } from '../../src/identity/signing-key.js';
import type { MintOptions, TokenIssuer } from '../../src/identity/token-issuer.js';
import { DEMO_SEED_FILE } from '../../src/seed/import-seed.js';
import { planSeed } from '../../src/seed/plan-seed.js';
import type { SeedPlan } from '../../src/seed/seed-plan.js';
import { readSeedFile } from '../../src/seed/validate-seed.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { DEMO } from './demo-ids.js';

export { DEMO } from './demo-ids.js';

/** Every inject app starts at this instant; the demo's relative dates are resolved against it. */
export const TEST_EPOCH = Date.parse('2026-06-01T00:00:00Z');
/** The issuer base URL of inject apps' tokens. */
export const TEST_PUBLIC_URL = 'http://127.0.0.1:8080';

let demoPlan: Promise<SeedPlan> | undefined;
let fixedKey: Promise<SigningKey> | undefined;

/** The demo dataset planned once (secrets hashed once) for every store of this process. */
export function plannedDemo(): Promise<SeedPlan> {
  const empty = { credentialHashes: async () => new Map(), relationshipDates: async () => new Map() };
  demoPlan ??= planSeed(readSeedFile(DEMO_SEED_FILE), { now: new Date(TEST_EPOCH), source: DEMO_SEED_FILE, existing: empty });
  return demoPlan;
}

export function testSigningKey(): Promise<SigningKey> {
  fixedKey ??= importSigningKey(JSON.parse(readFileSync(new URL('../fixtures/signing-key.json', import.meta.url), 'utf8')) as JWK);
  return fixedKey;
}

export interface InjectApp {
  app: FastifyInstance;
  store: SqliteStore;
  clock: ManualClock;
  issuer: TokenIssuer;
  /** A token for a demo user (by UPN) or app (by client id), from the app's own issuer. */
  tokenFor(principal: string, options?: MintOptions): Promise<string>;
  /** GET the organization of a customer with the given token (or none). */
  getOrganization(customerTenantId: string, options?: { token?: string; headers?: Record<string, string>; method?: InjectOptions['method'] }): Promise<LightMyRequestResponse>;
  inject(options: InjectOptions): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

/**
 * Builds an app from `pcapi serve`'s defaults plus `options` (the same names as the CLI's), without
 * listening. Throttling is off unless asked for, so tests do not share a budget by accident.
 */
export async function buildInjectApp(t: TestContext | undefined, options: RawServeOptions = {}, deps: Partial<AppDeps> = {}): Promise<InjectApp> {
  const config = resolveServeConfig({ logLevel: 'silent', throttleTenant: '0', throttleTenantCustomer: '0', ...options });
  const store = new SqliteStore(':memory:');
  await store.init();
  await store.importSeed(await plannedDemo());
  const clock = new ManualClock(TEST_EPOCH);
  const { app, issuer } = await buildApp({
    store, signingKey: await testSigningKey(), clock, publicUrl: () => TEST_PUBLIC_URL,
    explainDenials: config.explainDenials, authorization: config.authorization, decisionCache: config.decisionCache,
    tokenCacheSize: config.tokenCacheSize, trustedIssuers: config.trustedIssuers, clockToleranceSeconds: config.clockToleranceSeconds,
    throttle: config.throttle, logger: false,
    ...deps,
  });
  await app.ready();
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await app.close();
    await store.close();
  };
  t?.after(close);

  const tokenFor = async (principal: string, mint: MintOptions = {}) => {
    const isUser = principal.includes('@');
    let found;
    if (isUser) {
      const partner = await store.findPartnerTenant(principal.split('@')[1]!);
      found = partner && (await store.findUserByName(partner.tenantId, principal));
    } else {
      for (const tenant of [DEMO.fabrikam, DEMO.adatum]) found ??= await store.findAppByClientId(tenant, principal);
    }
    if (!found) throw new Error(`no demo principal ${principal}`);
    return (await issuer.mintAccessToken(found, { clientId: isUser ? DEMO.fabrikamAutomation : undefined, ...mint })).token;
  };

  const getOrganization: InjectApp['getOrganization'] = (customerTenantId, request = {}) =>
    app.inject({
      method: request.method ?? 'GET',
      url: `/v1/customers/${customerTenantId}/organization`,
      headers: { accept: 'application/json', ...(request.token ? { authorization: `Bearer ${request.token}` } : {}), ...request.headers },
    });

  return { app, store, clock, issuer, tokenFor, getOrganization, inject: (options) => app.inject(options), close };
}
