/**
 * The soak's traffic: the benchmark's mix (real tokens, allowed and denied customers) with fuzz mixed
 * in, as a fixed list the load generator cycles through. Per 1,000 requests:
 *
 *   800 the benchmark's mix               10 odd but valid paths         10 OIDC discovery and keys
 *    30 malformed customer ids            20 unknown customers          30 bad Authorization headers
 *    30 forged tokens                     15 expired / not yet valid    10 wrong audience, unknown tenant
 *    20 unknown paths                     10 wrong methods               2 oversized headers (431)
 *    13 token requests: wrong secrets and passwords, unknown clients, malformed forms
 *
 * The list is cycled many times a second, so every cache (tokens, answers, sign-in lockout) reaches
 * its steady size in the first seconds: memory that grows after the first minute is not a cache filling.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { systemClock } from '../packages/server/src/clock.js';
import type { Principal } from '../packages/server/src/domain/model.js';
import { loadOrCreateSigningKey } from '../packages/server/src/identity/signing-key.js';
import { TokenIssuer } from '../packages/server/src/identity/token-issuer.js';
import type { MixRequest } from './autocannon-worker.js';
import { BENCH_PUBLIC_URL, organizationPath, random, type RequestPool } from './requests.js';

export const FUZZ_PER_THOUSAND = 200;
const BLOCKS = 20;

/** A GUID derived from a text: stable across runs, never one of the generator's ids. */
const guid = (text: string) => {
  const hex = createHash('sha256').update(`soak:${text}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
};

/** The principal a token of the pool was issued to, from its claims. */
function principalOf(token: string): Principal {
  const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, string>;
  const app = claims.idtyp === 'app';
  return {
    tenantId: claims.tid!, objectId: claims.oid!, kind: app ? 'app' : 'user', displayName: (app ? claims.app_displayname : claims.name)!,
    userPrincipalName: app ? null : claims.upn!, clientId: app ? claims.appid! : null, mfaRegistered: true,
    accountEnabled: true, redirectUris: [], publicClient: false, appPermissions: [],
  };
}

const get = (path: string, token?: string, extra: Record<string, string> = {}): MixRequest => ({
  method: 'GET', path, headers: { accept: 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...extra },
});

const form = (tenant: string, fields: Record<string, string>): MixRequest => ({
  method: 'POST', path: `/${tenant}/oauth2/v2.0/token`, headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
  body: new URLSearchParams(fields).toString(),
});

/** Requests of each kind, and how many of each per 1,000. */
async function fuzzKinds(pool: RequestPool, dataDir: string): Promise<Array<{ kind: string; perThousand: number; requests: MixRequest[] }>> {
  const pair = pool.pairs.find((candidate) => candidate.customerIndex % 1000 >= 150) ?? pool.pairs[0]!;
  const token = pool.tokens[pair.token]!;
  const user = principalOf(pool.tokens[0]!);
  const app = principalOf(pool.tokens.find((candidate) => principalOf(candidate).kind === 'app')!);
  const customer = pair.customer;
  const path = organizationPath(customer);

  const issuer = new TokenIssuer(await loadOrCreateSigningKey(dataDir), () => BENCH_PUBLIC_URL, systemClock);
  const forgerDir = mkdtempSync(join(tmpdir(), 'pcapi-soak-'));
  const forger = new TokenIssuer(await loadOrCreateSigningKey(forgerDir), () => BENCH_PUBLIC_URL, systemClock);
  rmSync(forgerDir, { recursive: true, force: true });
  const [header, payload, signature] = token.split('.') as [string, string, string];
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const mint = async (principal: Principal, options: Parameters<TokenIssuer['mintAccessToken']>[1] = {}, by = issuer) =>
    (await by.mintAccessToken(principal, { clientId: principal.kind === 'user' ? '04b07795-8ddb-461a-bbee-02f9e1bf7b46' : undefined, ...options })).token;
  const unknownTenant = guid('tenant');

  return [
    // (No HEAD: autocannon cannot tell a HEAD answer has no body, and its connection stalls.)
    {
      kind: 'odd but valid paths', perThousand: 10,
      requests: [`${path}?api-version=1`, `${path}/`, `/v1/customers/${customer.toUpperCase()}/organization`, `//v1//customers/${customer}/organization`, `/V1/Customers/${customer}/Organization`]
        .map((target) => get(target, token)),
    },
    { kind: 'OIDC discovery and keys', perThousand: 10, requests: [get(`/${user.tenantId}/v2.0/.well-known/openid-configuration`), get(`/${user.tenantId}/discovery/v2.0/keys`), get(`/${unknownTenant}/v2.0/.well-known/openid-configuration`)] },
    {
      kind: 'malformed customer ids', perThousand: 30,
      requests: ['not-a-guid', `${customer}x`, customer.replace(/-/g, ''), `{${customer}}`, '%00', '..%2F..%2Fetc%2Fpasswd', 'a'.repeat(2000), `${customer.slice(0, 35)}g`, '%E2%80%8B', "1'%20OR%20'1'='1"]
        .map((id) => get(`/v1/customers/${id}/organization`, token)),
    },
    { kind: 'unknown customers', perThousand: 20, requests: Array.from({ length: 200 }, (_, index) => get(organizationPath(guid(`customer ${index}`)), token)) },
    {
      kind: 'bad Authorization headers', perThousand: 30,
      requests: [
        get(path), get(path, undefined, { authorization: '' }), get(path, undefined, { authorization: 'Bearer' }), get(path, undefined, { authorization: 'Basic dXNlcjpwYXNz' }),
        get(path, undefined, { authorization: 'Bearer not.a.jwt' }), get(path, undefined, { authorization: `Bearer ${'A'.repeat(6000)}` }),
        get(path, undefined, { authorization: `Bearer ${token}!` }), get(path, undefined, { authorization: `bearer  ${token} trailing` }),
      ],
    },
    {
      kind: 'forged tokens', perThousand: 30,
      requests: [
        get(path, await mint(user, {}, forger)), get(path, await mint(app, {}, forger)),
        get(path, `${header}.${encode({ ...claims, oid: guid('oid') })}.${signature}`),
        get(path, `${encode({ alg: 'none', typ: 'JWT' })}.${payload}.`),
        get(path, `${header}.${payload}.${signature.slice(0, -4)}AAAA`),
        get(path, await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(Buffer.from('guessed secret'))),
      ],
    },
    {
      kind: 'expired or not yet valid tokens', perThousand: 15,
      requests: [
        get(path, await mint(user, { issuedAtOffsetSeconds: -7200, lifetimeSeconds: 3600 })), get(path, await mint(app, { issuedAtOffsetSeconds: -86_400, lifetimeSeconds: 60 })),
        get(path, await mint(user, { notBeforeDelaySeconds: 3600 })), get(path, await mint(user, { issuedAtOffsetSeconds: 3600 })),
      ],
    },
    {
      kind: 'wrong audience, unknown tenant or principal', perThousand: 10,
      requests: [
        get(path, await mint(user, { audience: 'https://graph.microsoft.com' })), get(path, await mint({ ...app, tenantId: unknownTenant })),
        get(path, await mint({ ...user, objectId: guid('unknown user') })),
      ],
    },
    {
      kind: 'unknown paths', perThousand: 20,
      requests: ['/', '/v1/customers', `/v1/customers/${customer}`, `/v1/customers/${customer}/users`, `/v2/customers/${customer}/organization`, `${path}/extra`, '/.env', '/favicon.ico', `/${unknownTenant}/oauth2/v2.0/nothing`]
        .map((target) => get(target, token)),
    },
    {
      kind: 'wrong methods', perThousand: 10,
      requests: [{ ...get(path, token), method: 'DELETE' }, { ...get(path, token), method: 'POST', body: '{}' }, { ...get(path, token), method: 'PUT', body: 'x' }, { ...get(path, token), method: 'OPTIONS' }],
    },
    // Node answers 431 and closes the connection; the load generator reconnects.
    { kind: 'oversized headers (431)', perThousand: 2, requests: [get(path, token, { 'x-fuzz': 'x'.repeat(20_000) })] },
    {
      kind: 'token requests with wrong secrets or malformed', perThousand: 13,
      requests: [
        ...[0, 1, 2].map((index) => form(app.tenantId, { grant_type: 'client_credentials', client_id: app.clientId!, client_secret: `wrong ${index}`, scope: 'https://api.partnercenter.microsoft.com/.default' })),
        form(app.tenantId, { grant_type: 'client_credentials', client_id: guid('client'), client_secret: 'guess', scope: 'https://api.partnercenter.microsoft.com/.default' }),
        form(user.tenantId, { grant_type: 'password', client_id: '04b07795-8ddb-461a-bbee-02f9e1bf7b46', username: user.userPrincipalName!, password: 'wrong', scope: 'https://api.partnercenter.microsoft.com/user_impersonation' }),
        form(user.tenantId, { grant_type: 'password', client_id: '04b07795-8ddb-461a-bbee-02f9e1bf7b46', username: 'nobody@nowhere.example', password: 'wrong', scope: 'https://api.partnercenter.microsoft.com/.default' }),
        form(app.tenantId, { grant_type: 'client_credentials', client_id: app.clientId!, client_secret: 'x', scope: 'https://graph.microsoft.com/.default' }),
        form(app.tenantId, { client_id: app.clientId!, client_secret: 'x' }),
        form(app.tenantId, { grant_type: 'authorization_code', client_id: app.clientId!, code: 'x' }),
        form(unknownTenant, { grant_type: 'client_credentials', client_id: app.clientId!, client_secret: 'x', scope: 'https://api.partnercenter.microsoft.com/.default' }),
        { ...form(app.tenantId, {}), headers: { 'content-type': 'application/json' }, body: '{"grant_type":"client_credentials"' },
        { ...form(app.tenantId, {}), body: '%%%&&&=' },
        { ...form(app.tenantId, {}), body: `grant_type=client_credentials&client_id=${'a'.repeat(10_000)}` },
      ],
    },
  ];
}

/** The soak's request list: blocks of 1,000, each the mix above in a shuffled order. */
export async function buildSoakMix(pool: RequestPool, dataDir: string): Promise<{ requests: MixRequest[]; kinds: Record<string, number> }> {
  const fuzz = await fuzzKinds(pool, dataDir);
  const kinds: Record<string, number> = { 'the benchmark mix': 1000 - FUZZ_PER_THOUSAND };
  for (const { kind, perThousand } of fuzz) kinds[kind] = perThousand;
  if (Object.values(kinds).reduce((sum, count) => sum + count, 0) !== 1000) throw new Error('the soak mix does not add up to 1,000');
  const next = random(7);
  const requests: MixRequest[] = [];
  let valid = 0;
  for (let block = 0; block < BLOCKS; block++) {
    const slots: MixRequest[] = [];
    for (let index = 0; index < kinds['the benchmark mix']!; index++) {
      const entry = pool.pairs[valid++ % pool.pairs.length]!;
      slots.push(get(organizationPath(entry.customer), pool.tokens[entry.token]));
    }
    for (const { perThousand, requests: variants } of fuzz) {
      for (let index = 0; index < perThousand; index++) slots.push(variants[(block * perThousand + index) % variants.length]!);
    }
    for (let index = slots.length - 1; index > 0; index--) {
      const other = Math.floor(next() * (index + 1));
      [slots[index], slots[other]] = [slots[other]!, slots[index]!];
    }
    requests.push(...slots);
  }
  return { requests, kinds };
}
