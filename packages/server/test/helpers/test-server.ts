/**
 * Starts a real pcapi (real HTTP listener on a random port, real SQLite file in a temp folder,
 * demo dataset loaded) for integration tests, and mints tokens through its real issuer.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import type { Clock } from '../../src/clock.js';
import { resolveServeConfig, type RawServeOptions } from '../../src/config.js';
import type { MintOptions } from '../../src/identity/token-issuer.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { DEMO } from './demo-ids.js';
import { testLogDestination, testLogOptions } from './test-logs.js';

export { DEMO } from './demo-ids.js';

/** The source document's example body, byte for byte (compact JSON). */
export const CONTOSO_BODY = '[{"street":"1 Microsoft Way","countryLetterCode":"US","postalCode":"98052-8300","city":"Redmond","state":"WA","displayName":"Contoso","technicalNotificationMails":["test@contoso.com"]}]';

export interface TestServer {
  url: string;
  server: RunningServer;
  dataDir: string;
  /** Mints a token for a demo user (by UPN) or app (by client id) through the server's own issuer. */
  tokenFor(principal: string, options?: MintOptions): Promise<string>;
  /** GET the organization of a customer with the given token (or none). */
  getOrganization(customerTenantId: string, options?: { token?: string; headers?: Record<string, string>; method?: string }): Promise<Response>;
  /** Stops the server and removes its data folder; safe to call twice (tests given `t` close on their own). */
  close(): Promise<void>;
}

/** @param clock where the server's time comes from (a ManualClock to move it); the machine's clock unless given. */
export async function startTestServer(t: TestContext | undefined, options: RawServeOptions = {}, clock?: Clock): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'pcapi-test-'));
  // Silent, unless the suite's logs are collected (PCAPI_TEST_LOG_DIR): then into this process's log file.
  const config = resolveServeConfig({ port: '0', logLevel: 'silent', dataDir, ...testLogOptions(), ...options });
  const logDestination = testLogDestination();
  const server = await startServer(config, { ...(clock ? { clock } : {}), ...(logDestination ? { logDestination } : {}) });
  let closed = false;
  const cleanup = async () => {
    if (closed) return;
    closed = true;
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  };
  if (t) t.after(cleanup);

  const tokenFor = async (principal: string, mint: MintOptions = {}) => {
    const isUser = principal.includes('@');
    const tenantText = isUser ? principal.split('@')[1]! : undefined;
    let found;
    if (isUser) {
      const partner = await server.store.findPartnerTenant(tenantText!);
      found = partner && (await server.store.findUserByName(partner.tenantId, principal));
    } else {
      for (const tenant of [DEMO.fabrikam, DEMO.adatum]) found ??= await server.store.findAppByClientId(tenant, principal);
    }
    if (!found) throw new Error(`no demo principal ${principal}`);
    return (await server.issuer.mintAccessToken(found, { clientId: isUser ? DEMO.fabrikamAutomation : undefined, ...mint })).token;
  };

  const getOrganization: TestServer['getOrganization'] = (customerTenantId, request = {}) =>
    fetch(`${server.url}/v1/customers/${customerTenantId}/organization`, {
      method: request.method ?? 'GET',
      headers: { accept: 'application/json', ...(request.token ? { authorization: `Bearer ${request.token}` } : {}), ...request.headers },
    });

  return { url: server.url, server, dataDir, tokenFor, getOrganization, close: cleanup };
}
