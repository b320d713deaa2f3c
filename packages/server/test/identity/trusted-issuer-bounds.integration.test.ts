/**
 * A trusted issuer template must not turn forged tokens into outbound traffic or memory: no fetch for
 * a token whose cheap checks fail (algorithm, shape, issuer pattern, and above all a tid that is not a
 * partner tenant of this server), concurrent first requests share one fetch, a failed discovery is
 * remembered for a while, the key-set cache is bounded, and an issuer's documents are read up to
 * 1 MiB, however much it sends. A real HTTP server plays the external
 * issuer and counts what pcapi asks it.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { ManualClock } from '../../src/clock.js';
import { TrustedIssuerKeys } from '../../src/identity/trusted-issuers.js';
import { buildInjectApp, DEMO, TEST_EPOCH, type InjectApp } from '../helpers/inject-app.js';

const PC = 'https://api.partnercenter.microsoft.com';

/** The external issuer: discovery and keys per tenant; tenants in `failing` answer 500. */
class ExternalIssuer {
  private server!: Server;
  url = '';
  requests = 0;
  readonly failing = new Set<string>();
  /** Tenants whose discovery document is 2 MiB. */
  readonly hugeDiscovery = new Set<string>();
  /** Tenants whose key set never ends (chunks sent until pcapi hangs up); counts the bytes sent. */
  readonly endlessKeys = new Set<string>();
  endlessBytesSent = 0;
  privateKey!: CryptoKey;
  jwk!: JWK;

  async start(): Promise<void> {
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    this.privateKey = privateKey as CryptoKey;
    this.jwk = { ...(await exportJWK(publicKey)), kid: 'external-1', alg: 'RS256', use: 'sig' };
    this.server = createServer((request, response) => {
      this.requests++;
      const [, tenant, ...rest] = (request.url ?? '').split('/');
      const path = rest.join('/');
      response.setHeader('content-type', 'application/json');
      if (this.failing.has(tenant!)) return response.writeHead(500).end('{}');
      if (this.hugeDiscovery.has(tenant!) && path.endsWith('openid-configuration')) {
        return response.end(JSON.stringify({ issuer: this.issuer(tenant!), jwks_uri: `${this.url}/${tenant}/keys`, padding: 'x'.repeat(2 * 1024 * 1024) }));
      }
      if (this.endlessKeys.has(tenant!) && path === 'keys') {
        const chunk = Buffer.alloc(64 * 1024, ' ');
        const send = (): void => {
          while (!response.destroyed && response.write(chunk)) this.endlessBytesSent += chunk.length;
        };
        response.on('drain', send);
        return send();
      }
      if (path === 'v2.0/.well-known/openid-configuration') {
        return response.end(JSON.stringify({ issuer: this.issuer(tenant!), jwks_uri: `${this.url}/${tenant}/keys` }));
      }
      if (path === 'keys') return response.end(JSON.stringify({ keys: [this.jwk] }));
      response.writeHead(404).end('{}');
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  issuer(tenant: string): string {
    return `${this.url}/${tenant}/v2.0`;
  }

  /** A token as this issuer would sign it, at the given time. */
  sign(tenant: string, nowMs: number, overrides: { key?: CryptoKey; header?: Record<string, unknown>; iss?: string } = {}): Promise<string> {
    const now = Math.floor(nowMs / 1000);
    return new SignJWT({ tid: tenant, oid: randomUUID(), appid: randomUUID(), idtyp: 'app', iss: overrides.iss ?? this.issuer(tenant), aud: PC, iat: now, nbf: now, exp: now + 3600 })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: this.jwk.kid!, ...overrides.header })
      .sign(overrides.key ?? this.privateKey);
  }

  close(): Promise<void> {
    // pcapi's fetches keep their connections alive; close does not wait for them.
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

const external = new ExternalIssuer();
let pcapi: InjectApp;

before(async () => {
  await external.start();
  pcapi = await buildInjectApp(undefined, { trustedIssuer: [`${external.url}/{tenantid}/v2.0`] });
});
after(async () => {
  await pcapi.close();
  await external.close();
});

async function status(token: string): Promise<{ statusCode: number; data: string }> {
  const response = await pcapi.getOrganization(DEMO.contoso, { token });
  return { statusCode: response.status, data: (JSON.parse(await response.text()) as { data: string[] }).data.join(' ') };
}

test('forged tokens carrying fresh tids make no outbound fetch', async () => {
  const { privateKey: attackerKey } = await generateKeyPair('RS256');
  const before = external.requests;
  for (let i = 0; i < 300; i++) {
    const result = await status(await external.sign(randomUUID(), pcapi.clock.now(), { key: attackerKey as CryptoKey }));
    assert.equal(result.statusCode, 401);
    assert.match(result.data, /is not a partner tenant known to this server/);
  }
  assert.equal(external.requests - before, 0, 'no fetch for tenants that are not partners');
});

test('tokens failing the other cheap checks make no outbound fetch either', async () => {
  const before = external.requests;
  const now = pcapi.clock.now();
  const forged = [
    await external.sign(DEMO.fabrikam, now, { header: { alg: 'RS384' } }).catch(() => undefined),
    await external.sign(DEMO.fabrikam, now, { iss: `${external.url}/${DEMO.adatum}/v2.0` }), // issuer of another tenant
    await external.sign(DEMO.fabrikam, now, { iss: 'https://elsewhere.example/v2.0' }),
    `${Buffer.from('{"alg":"RS256","kid":"external-1"}').toString('base64url')}.e30.AAAA`,
  ].filter((token): token is string => token !== undefined);
  for (const token of forged) assert.equal((await status(token)).statusCode, 401);
  assert.equal(external.requests, before);
});

test('a partner tenant\'s genuine external token is accepted: discovery and keys fetched once, then reused', async () => {
  const before = external.requests;
  const tokens = await Promise.all(Array.from({ length: 10 }, () => external.sign(DEMO.adatum, pcapi.clock.now())));
  // Concurrent first requests share one discovery fetch.
  const results = await Promise.all(tokens.map((token) => status(token)));
  // The caller is authenticated (an unknown app of Adatum is then refused by authorization, with 403).
  for (const result of results) assert.equal(result.statusCode, 403, result.data);
  assert.equal(external.requests - before, 2, 'one discovery document and one key set');
});

test('a failed discovery is remembered: one fetch per failure period, however many tokens', async () => {
  external.failing.add(DEMO.fabrikam);
  const before = external.requests;
  for (let i = 0; i < 20; i++) {
    const result = await status(await external.sign(DEMO.fabrikam, pcapi.clock.now()));
    assert.equal(result.statusCode, 401);
    assert.match(result.data, /could not be fetched: discovery document .* answered HTTP 500/);
  }
  assert.equal(external.requests - before, 1);
  pcapi.clock.advance(5 * 60_000);
  assert.equal((await status(await external.sign(DEMO.fabrikam, pcapi.clock.now()))).statusCode, 401);
  assert.equal(external.requests - before, 2, 'asked again once the failure is forgotten');
  external.failing.delete(DEMO.fabrikam);
});

test('the key-set cache holds at most its bound, dropping the least recently used', async () => {
  const clock = new ManualClock(TEST_EPOCH);
  const keys = new TrustedIssuerKeys([{ issuer: `${external.url}/{tenantid}/v2.0`, discoveryUrl: `${external.url}/{tenantid}/v2.0/.well-known/openid-configuration` }], clock, { maxEntries: 3 });
  const entry = keys.match(external.issuer(DEMO.fabrikam), DEMO.fabrikam)!.entry;
  const tenants = Array.from({ length: 10 }, () => randomUUID());
  for (const tenant of tenants) await keys.keysFor(entry, external.issuer(tenant), tenant);
  assert.equal(keys.size, 3);
  assert.equal(keys.fetches, 10);
  // The most recent is still cached: no new fetch.
  await keys.keysFor(entry, external.issuer(tenants[9]!), tenants[9]!);
  assert.equal(keys.fetches, 10);
  // The oldest was dropped: fetched again.
  await keys.keysFor(entry, external.issuer(tenants[0]!), tenants[0]!);
  assert.equal(keys.fetches, 11);
  assert.equal(keys.size, 3);
});

test('an issuer\'s documents are read up to 1 MiB: a huge discovery document or an endless key set is refused, not buffered', async () => {
  // Past the failure period of the tests above: every tenant is asked afresh.
  pcapi.clock.advance(60 * 60_000);
  external.hugeDiscovery.add(DEMO.fabrikam);
  const huge = await status(await external.sign(DEMO.fabrikam, pcapi.clock.now()));
  assert.equal(huge.statusCode, 401);
  assert.match(huge.data, /could not be fetched: .*openid-configuration answered more than 1024 KiB/);
  external.hugeDiscovery.delete(DEMO.fabrikam);

  // Another partner's keys: the discovery document is fine, the key set streams without end.
  external.endlessKeys.add(DEMO.adatum);
  const endless = await status(await external.sign(DEMO.adatum, pcapi.clock.now()));
  assert.equal(endless.statusCode, 401);
  assert.match(endless.data, /the issuer's key set could not be fetched: .*\/keys answered more than 1024 KiB/);
  // The server was cut off near the limit (what sits in the sockets' buffers aside), not read to the end.
  assert.ok(external.endlessBytesSent < 16 * 1024 * 1024, `${external.endlessBytesSent} bytes sent`);
  external.endlessKeys.delete(DEMO.adatum);
});
