/**
 * pcapi as a test fixture: `const pcapi = await startPcapi()` in a test suite's own code starts a
 * server on a random loopback port over an in-memory store (nothing written to disk), with the
 * emulator on, and hands back what a test needs: its URL, token endpoints, credentials that mint
 * tokens for any principal of the seed, the clock, reset and faults. See docs/testing.md.
 */
import { findResource, GRAPH_RESOURCE } from './identity/sign-in/resources.js';
import { registeredApps } from './surfaces/identity/registered-apps.js';
import { resolveServeConfig, type RawServeOptions } from './config.js';
import { systemClock } from './clock.js';
import { SERVE_SETTINGS } from './serve-settings.js';
import type { PrincipalCredential } from './domain/model.js';
import type { MintOptions } from './identity/token-issuer.js';
import type { SeedDocument } from './seed/seed-document.js';
import { parseSeedText, readSeedFile } from './seed/validate-seed.js';
import { startServer, type RunningServer } from './server.js';
import { createStoredSigningKey, importSigningKey, type SigningKey } from './identity/signing-key.js';
import type { FaultSpec, FaultRule } from './surfaces/emulator/faults.js';
import { graphErrorMessage } from './surfaces/graph/graph-errors.js';
import { AuthenticationError } from '@pcapi/client';
import { PARTNER_CENTER_RESOURCE } from '@pcapi/contracts';

/** Azure CLI's public client id: the app user tokens are issued to unless told otherwise (as `pcapi token` does). */
const DEFAULT_USER_CLIENT_ID = '04b07795-8ddb-461a-bbee-02f9e1bf7b46';

export interface StartPcapiOptions {
  /** The data: the demo (default), a seed document, a seed file's path, or `'none'` (an empty store). */
  seed?: 'demo' | 'none' | SeedDocument | string;
  /** `'memory'` (default: nothing on disk), a SQLite file, or a PostgreSQL URL. */
  store?: 'memory' | string;
  /** Where the clock starts (it runs on from there; move it with `clock`). Default: now. */
  clockStart?: Date | string | number;
  /** Any other `pcapi serve` setting, by its option name (docs/configuration.md), e.g. `{ gdapDelays: 'realistic' }`. */
  options?: RawServeOptions;
}

/** What @azure/identity, the Graph SDK and @pcapi/client accept as a credential (@azure/core-auth's TokenCredential). */
export interface FixtureCredential {
  getToken(scopes: string | string[]): Promise<{ token: string; expiresOnTimestamp: number; refreshAfterTimestamp?: number }>;
}

export interface ClockState {
  now: string;
  offsetMs: number;
  frozen: boolean;
}

export interface Pcapi {
  /** The base URL: the Partner Center endpoint, Graph (`/v1.0`), the token issuer. */
  url: string;
  /** `{url}/{tenant}/oauth2/v2.0/token`; `tenant` is a tenant id or a partner's domain. */
  tokenEndpoint(tenant: string): string;
  /** The authority to give MSAL or @azure/identity (`authorityHost`). */
  authorityHost: string;
  /**
   * A credential for a principal of the seed: a user by user principal name, an app by client id.
   * Tokens are minted directly (no sign-in), for the resource the scope names: Partner Center, or
   * Microsoft Graph (an app's token then carries its `graphPermissions` as roles).
   */
  credentialFor(principal: string, options?: { clientId?: string; mfa?: boolean }): FixtureCredential;
  /** A token for a principal, as `credentialFor(...).getToken(scope)`; Partner Center by default. */
  token(principal: string, options?: { scope?: string } & Pick<MintOptions, 'clientId' | 'mfa' | 'lifetimeSeconds' | 'overrides'>): Promise<string>;
  clock: {
    get(): Promise<ClockState>;
    /** To an instant; `frozen` stops time there. */
    set(instant: Date | string | number, options?: { frozen?: boolean }): Promise<ClockState>;
    /** By milliseconds or an ISO 8601 duration in weeks, days and time (`P30D`, `PT1H`); negative moves back. */
    advance(by: number | string): Promise<ClockState>;
    /** Back to the machine's time. */
    reset(): Promise<ClockState>;
  };
  /** The store back to the seed, the clock to real time, no faults: between test cases. */
  reset(): Promise<void>;
  faults: {
    add(spec: FaultSpec): Promise<FaultRule>;
    clear(): Promise<void>;
  };
  /** The running server, for what the fixture does not cover (its store, its issuer). */
  server: RunningServer;
  close(): Promise<void>;
}

function toIso(instant: Date | string | number, what: string): string {
  const date = instant instanceof Date ? instant : new Date(instant);
  if (!Number.isFinite(date.getTime())) throw new TypeError(`startPcapi: ${what} ${JSON.stringify(instant)} is not a date or instant`);
  return date.toISOString();
}

/** The seed as startServer takes it: a document in code, a file, the demo, or nothing. */
function seedSettings(seed: StartPcapiOptions['seed']): { raw: RawServeOptions; document?: SeedDocument } {
  if (seed === undefined || seed === 'demo') return { raw: { demo: true } };
  if (seed === 'none') return { raw: { demo: false } };
  if (typeof seed === 'string') return { raw: { demo: false }, document: readSeedFile(seed) };
  // Checked as a file is: a document built in code (or not a document at all) gets the same errors.
  let text: string | undefined;
  try {
    text = JSON.stringify(seed);
  } catch {
    // A cycle or a BigInt: not JSON, so not a seed document.
  }
  return { raw: { demo: false }, document: parseSeedText(text ?? 'undefined', 'the seed given to startPcapi') };
}

/** One signing key for every in-memory fixture of this process: generating an RSA key takes longer than the rest of a start. */
let fixtureKey: Promise<SigningKey> | undefined;
function processSigningKey(): Promise<SigningKey> {
  fixtureKey ??= createStoredSigningKey({ nowMs: 0, signsFromMs: 0 }).then((stored) => importSigningKey({ ...stored.privateJwk, kid: stored.kid }));
  return fixtureKey;
}

export async function startPcapi(options: StartPcapiOptions = {}): Promise<Pcapi> {
  // A misspelt setting would otherwise be dropped without a word.
  const unknown = Object.keys(options.options ?? {}).filter((name) => !(name in SERVE_SETTINGS));
  if (unknown.length > 0) throw new TypeError(`startPcapi: options ${unknown.join(', ')} ${unknown.length === 1 ? 'is not a' : 'are not'} pcapi serve setting${unknown.length === 1 ? '' : 's'} (docs/configuration.md lists them by name: ${Object.keys(SERVE_SETTINGS).slice(0, 4).join(', ')}, ...)`);
  const seed = seedSettings(options.seed);
  const store = options.store ?? 'memory';
  if (typeof store !== 'string' || (/^[a-z][a-z0-9+.-]*:\/\//i.test(store) && !/^postgres(ql)?:\/\//i.test(store))) {
    // Named by its scheme only: a URL may hold a password.
    const scheme = typeof store === 'string' ? /^[a-z][a-z0-9+.-]*:/i.exec(store)?.[0] : undefined;
    throw new TypeError(`startPcapi: store ${scheme ? `"${scheme}//…"` : String(typeof store)} is not 'memory', a SQLite file's path or a postgres:// URL`);
  }
  const config = resolveServeConfig({
    host: '127.0.0.1', port: '0', logLevel: 'silent', throttleTenant: '0', throttleTenantCustomer: '0',
    database: store === 'memory' ? ':memory:' : store,
    emulator: true,
    ...(options.clockStart !== undefined ? { clockStart: toIso(options.clockStart, 'clockStart') } : {}),
    ...seed.raw,
    ...options.options,
  });
  const server = await startServer(config, {
    ...(seed.document ? { seedDocument: seed.document } : {}),
    ...(store === 'memory' ? { initialSigningKey: await processSigningKey() } : {}),
  });
  const url = server.url;

  let closed = false;
  const open = (what: string) => {
    if (closed) throw new Error(`startPcapi: ${what}: this pcapi was closed`);
  };
  /** An emulator call; a refusal throws with the server's message (a 400 as a TypeError: the caller's input). */
  const emulator = async <T>(what: string, method: string, path: string, body?: unknown): Promise<T> => {
    open(what);
    const response = await fetch(`${url}/_pcapi${path}`, {
      method, ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (!response.ok) {
      const message = graphErrorMessage(text);
      const Failure = response.status === 400 ? TypeError : Error;
      throw new Failure(`startPcapi: ${what}: ${message} (${method} /_pcapi${path}: ${response.status})`);
    }
    return (text === '' ? undefined : JSON.parse(text)) as T;
  };

  const findPrincipal = async (name: string): Promise<PrincipalCredential> => {
    if (name.includes('@')) {
      const partner = await server.store.findPartnerTenant(name.split('@')[1]!);
      const user = partner && (await server.store.findUserByName(partner.tenantId, name));
      if (user) return user;
      throw new AuthenticationError(`startPcapi: no user ${name} in the seed (a partner's users are found by their domain)`);
    }
    const [found] = await registeredApps(server.store, undefined, name.toLowerCase());
    if (!found) throw new AuthenticationError(`startPcapi: no application with client id ${name} in the seed`);
    return found.app;
  };

  const mint = async (principalName: string, scope: string, mintOptions: Pick<MintOptions, 'clientId' | 'mfa' | 'lifetimeSeconds' | 'overrides'> = {}) => {
    open('a token');
    // The resource is what comes before the permission ("…/.default", "…/user_impersonation"), or the
    // whole scope when it names a resource alone, as v1's `resource` does.
    const slash = scope.lastIndexOf('/');
    const resource = findResource(scope) ?? (slash > 0 ? findResource(scope.slice(0, slash)) : undefined);
    const graph = resource?.uri === GRAPH_RESOURCE;
    const partnerCenter = resource?.uri === PARTNER_CENTER_RESOURCE;
    if (!graph && !partnerCenter) {
      throw new AuthenticationError(`startPcapi: the scope "${scope.slice(0, 80)}" names neither Partner Center (${PARTNER_CENTER_RESOURCE}/.default) nor Microsoft Graph (${GRAPH_RESOURCE}/.default)`);
    }
    const principal = await findPrincipal(principalName);
    const audience = graph ? GRAPH_RESOURCE : undefined;
    const options: MintOptions = principal.kind === 'app'
      ? { ...mintOptions, audience, ...(graph ? { roles: principal.appPermissions } : {}) }
      : { clientId: DEFAULT_USER_CLIENT_ID, ...mintOptions, audience, ...(graph ? { scp: 'DelegatedAdminRelationship.ReadWrite.All Group.ReadWrite.All User.Read.All User.Read' } : {}) };
    return server.issuer.mintAccessToken(principal, options);
  };

  return {
    url,
    authorityHost: url,
    tokenEndpoint: (tenant) => `${url}/${tenant}/oauth2/v2.0/token`,
    credentialFor(principal, credentialOptions = {}) {
      return {
        async getToken(scopes) {
          const scope = (Array.isArray(scopes) ? scopes[0] : scopes) ?? 'https://api.partnercenter.microsoft.com/.default';
          const { token, expiresIn } = await mint(principal, scope, credentialOptions);
          // Clients judge expiry by the machine's time, and the server's clock may be moved at any
          // moment: a token valid for its lifetime in real time, to be asked for again at every use
          // (a mint costs about a millisecond), so a client never holds one the moved clock refuses.
          const now = systemClock.now();
          return { token, expiresOnTimestamp: now + expiresIn * 1000, refreshAfterTimestamp: now };
        },
      };
    },
    async token(principal, tokenOptions = {}) {
      const { scope = 'https://api.partnercenter.microsoft.com/.default', ...rest } = tokenOptions;
      return (await mint(principal, scope, rest)).token;
    },
    clock: {
      get: () => emulator<ClockState>('clock.get', 'GET', '/clock'),
      set: (instant, setOptions = {}) => emulator<ClockState>('clock.set', 'PUT', '/clock', { now: toIso(instant, 'clock.set:'), frozen: setOptions.frozen ?? false }),
      advance: (by) => {
        if (!(typeof by === 'number' && Number.isFinite(by)) && typeof by !== 'string') {
          return Promise.reject(new TypeError(`startPcapi: clock.advance: ${String(by)} is not milliseconds or an ISO 8601 duration`));
        }
        return emulator<ClockState>('clock.advance', 'POST', '/clock/advance', { by });
      },
      reset: () => emulator<ClockState>('clock.reset', 'DELETE', '/clock'),
    },
    async reset() {
      await emulator('reset', 'POST', '/reset');
    },
    faults: {
      add: (spec) => emulator<FaultRule>('faults.add', 'POST', '/faults', spec),
      async clear() {
        await emulator('faults.clear', 'DELETE', '/faults');
      },
    },
    server,
    // Connections a client left open (a request half sent, a keep-alive) are closed after a second,
    // not after the request timeout a production server gives them: a test run's teardown waits for this.
    async close() {
      closed = true;
      const closing = server.close();
      const cut = setTimeout(() => server.app.server.closeAllConnections(), 1000);
      cut.unref();
      await closing.finally(() => clearTimeout(cut));
    },
  };
}
