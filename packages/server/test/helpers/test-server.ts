/**
 * Starts a real pcapi (real HTTP listener on a random port, real SQLite file in a temp folder,
 * demo dataset loaded) for integration tests, and mints tokens through its real issuer.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { resolveServeConfig, type RawServeOptions } from '../../src/config.js';
import type { MintOptions } from '../../src/identity/token-issuer.js';
import { startServer, type RunningServer } from '../../src/server.js';

export const DEMO = {
  fabrikam: '2c01706f-53f9-43ed-a5e3-50fe9b93e511',
  adatum: '1e5fc020-fb3c-4f6a-bcbb-ad2b6564bf62',
  contoso: '13bba13f-49f8-49aa-8a22-1fe70d695fcb',
  northwind: '98d1aee7-213b-475d-879d-bb7a1f32c0eb',
  tailspin: 'b0abd4ba-7eb9-48ee-96ec-7a88abdc3a82',
  woodgrove: 'e0a0dd3e-e157-4fb8-97f3-7a6ea7ef70cd',
  relecloud: 'c7d3a51e-2f0b-4c8e-9d6a-5b1e0f3a7c42',
  litware: 'a37498d5-9fac-4190-8428-523bb25d1ade',
  fabrikamAutomation: '5cb9b94d-825a-47d7-830b-7226f428175e',
  fabrikamReporting: '10db4c3d-1412-4e92-a4ce-7a9f18887f86',
  adatumAutomation: '8dc207ca-4053-40ab-a2c9-c938c55a0ebc',
  secret: 'pcapi-demo',
} as const;

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

export async function startTestServer(t: TestContext | undefined, options: RawServeOptions = {}): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'pcapi-test-'));
  const config = resolveServeConfig({ port: '0', logLevel: 'silent', dataDir, ...options });
  const server = await startServer(config);
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
