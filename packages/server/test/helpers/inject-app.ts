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
import { DEMO_SEED_FILE, importSeedFile } from '../../src/seed/import-seed.js';
import { planSeed } from '../../src/seed/plan-seed.js';
import type { SeedPlan } from '../../src/seed/seed-plan.js';
import { readSeedFile } from '../../src/seed/validate-seed.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { DEMO } from './demo-ids.js';
import { testLogger } from './test-logs.js';

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

/** The same shape as test-server.ts's TestServer where they overlap, so a test moves between layers by its import. */
export interface InjectApp {
  app: FastifyInstance;
  store: SqliteStore;
  clock: ManualClock;
  issuer: TokenIssuer;
  /** The base URL tokens are issued for; `fetch` accepts URLs under it (or paths). */
  url: string;
  /** A token for a demo user (by UPN) or app (by client id), from the app's own issuer. */
  tokenFor(principal: string, options?: MintOptions): Promise<string>;
  /** GET the organization of a customer with the given token (or none). */
  getOrganization(customerTenantId: string, options?: { token?: string; headers?: Record<string, string>; method?: string }): Promise<Response>;
  /** fetch() through app.inject(): the same Request/Response types, no socket. */
  fetch(input: string | URL, init?: RequestInit): Promise<Response>;
  inject(options: InjectOptions): Promise<LightMyRequestResponse>;
  /** Calls the repeat-call lane answered (only a listening app has any: inject() bypasses the server). */
  repeatCalls: { readonly answered: number };
  close(): Promise<void>;
}

/** Statuses whose responses have no body (fetch's Response refuses one). */
const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

/** A fetch-compatible function over app.inject(). */
function injectFetch(app: FastifyInstance) {
  return async (input: string | URL, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(String(input), TEST_PUBLIC_URL);
    const method = (init.method ?? 'GET').toUpperCase();
    const headers: Record<string, string> = Object.fromEntries(new Headers(init.headers).entries());
    let payload: string | Buffer | undefined;
    if (typeof init.body === 'string') payload = init.body;
    else if (init.body instanceof URLSearchParams) {
      payload = init.body.toString();
      headers['content-type'] ??= 'application/x-www-form-urlencoded;charset=UTF-8';
    } else if (init.body !== undefined && init.body !== null) payload = Buffer.from(await new Response(init.body).arrayBuffer());
    const response = await app.inject({ method: method as InjectOptions['method'], url: url.pathname + url.search, headers, ...(payload === undefined ? {} : { payload }) });
    const responseHeaders = new Headers();
    for (const [name, value] of Object.entries(response.headers)) {
      if (value === undefined) continue;
      for (const item of Array.isArray(value) ? value : [value]) responseHeaders.append(name, String(item));
    }
    const body = method === 'HEAD' || NULL_BODY_STATUSES.has(response.statusCode) ? null : response.rawPayload;
    return new Response(body, { status: response.statusCode, statusText: response.statusMessage, headers: responseHeaders });
  };
}

/**
 * Builds an app from `pcapi serve`'s defaults plus `options` (the same names as the CLI's), without
 * listening. Throttling is off unless asked for, so tests do not share a budget by accident. The
 * demo dataset is loaded, or the `seed` file instead when given.
 */
export async function buildInjectApp(t: TestContext | undefined, options: RawServeOptions = {}, deps: Partial<AppDeps> = {}): Promise<InjectApp> {
  const config = resolveServeConfig({ logLevel: 'silent', throttleTenant: '0', throttleTenantCustomer: '0', ...options });
  const store = new SqliteStore(':memory:');
  await store.init();
  const clock = new ManualClock(TEST_EPOCH);
  if (config.seedFile) await importSeedFile(store, config.seedFile, new Date(clock.now()));
  else await store.importSeed(await plannedDemo());
  // No logs, unless the suite's logs are collected (PCAPI_TEST_LOG_DIR): then every line, and one per request.
  const logger = testLogger();
  const { app, issuer, repeatCalls } = await buildApp({
    store, signingKey: await testSigningKey(), clock, publicUrl: () => TEST_PUBLIC_URL,
    explainDenials: config.explainDenials, authorization: config.authorization, decisionCache: config.decisionCache,
    tokenCacheSize: config.tokenCacheSize, trustedIssuers: config.trustedIssuers, clockToleranceSeconds: config.clockToleranceSeconds,
    throttle: config.throttle, lockout: config.lockout, logger, logRequests: logger !== false || config.logRequests,
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

  const fetch = injectFetch(app);
  const getOrganization: InjectApp['getOrganization'] = (customerTenantId, request = {}) =>
    fetch(`/v1/customers/${customerTenantId}/organization`, {
      method: request.method ?? 'GET',
      headers: { accept: 'application/json', ...(request.token ? { authorization: `Bearer ${request.token}` } : {}), ...request.headers },
    });

  return { app, store, clock, issuer, url: TEST_PUBLIC_URL, tokenFor, getOrganization, fetch, inject: (options) => app.inject(options), repeatCalls, close };
}
