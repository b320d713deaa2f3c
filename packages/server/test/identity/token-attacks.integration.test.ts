/**
 * Every token attack of the facts sheet, sent over real HTTP: each is refused with 401, Partner
 * Center code 400 and a Bearer challenge naming invalid_token. Forged tokens are built with jose.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  decodeJwt, exportJWK, exportSPKI, generateKeyPair, importJWK, SignJWT,
  type CryptoKey, type JWK, type JWTHeaderParameters, type JWTPayload,
} from 'jose';
import { CONTOSO_BODY, DEMO, startTestServer, type TestServer } from '../helpers/test-server.js';
import { buildInjectApp } from '../helpers/inject-app.js';

const PC_APP_ID = 'fa3d9a0c-3fb0-42cc-9193-47c7ecd2edbd';
const UNKNOWN_TENANT = '7f9c3b1e-0a4d-4e2b-9c6f-1d2e3f4a5b6c';

let pcapi: TestServer;
let other: TestServer;
const closers: (() => Promise<void>)[] = [];
let serverKid: string;
let serverPrivateKey: CryptoKey;
let serverPublicJwk: JWK;
let attacker: { privateKey: CryptoKey; publicJwk: JWK };

async function shared(options = {}): Promise<TestServer> {
  const started = await startTestServer(undefined, options);
  closers.push(started.close);
  return started;
}

/** The private key a server signs with, from its store (used to show header checks do not hinge on the signature). */
async function privateKeyOf(server: TestServer): Promise<{ kid: string; key: CryptoKey }> {
  const { kid, privateJwk } = await server.server.keyRing.signingKey();
  return { kid, key: (await importJWK(privateJwk, 'RS256')) as CryptoKey };
}

before(async () => {
  pcapi = await shared();
  other = await shared();
  ({ kid: serverKid, key: serverPrivateKey } = await privateKeyOf(pcapi));
  const jwks = (await (await fetch(`${pcapi.url}/${DEMO.fabrikam}/discovery/v2.0/keys`)).json()) as { keys: JWK[] };
  serverPublicJwk = jwks.keys[0]!;
  assert.equal(serverPublicJwk.kid, serverKid);
  const pair = await generateKeyPair('RS256', { extractable: true });
  attacker = { privateKey: pair.privateKey, publicJwk: await exportJWK(pair.publicKey) };
});
after(async () => {
  for (const close of closers) await close();
});

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** The claims of a genuine app-only token, to be re-signed by an attacker. */
async function genuineClaims(): Promise<JWTPayload> {
  return decodeJwt(await pcapi.tokenFor(DEMO.fabrikamAutomation));
}

function sign(claims: JWTPayload, header: JWTHeaderParameters, key: CryptoKey | Uint8Array): Promise<string> {
  return new SignJWT(claims).setProtectedHeader(header).sign(key);
}

async function assertRefused(token: string, reason?: RegExp, server: TestServer = pcapi): Promise<void> {
  const response = await server.getOrganization(DEMO.contoso, { token });
  const body = (await response.json()) as { code: number; data: string[] };
  assert.equal(response.status, 401, JSON.stringify(body));
  assert.equal(body.code, 400);
  const challenge = response.headers.get('www-authenticate') ?? '';
  assert.match(challenge, /^Bearer .*error="invalid_token"/);
  if (reason) assert.match(body.data.join(' '), reason);
}

async function assertAccepted(token: string, server: TestServer = pcapi): Promise<void> {
  const response = await server.getOrganization(DEMO.contoso, { token });
  assert.equal(response.status, 200, await response.clone().text());
  assert.equal(await response.text(), CONTOSO_BODY);
}

test('control: a genuine token, and one re-signed with the server key, are accepted', async () => {
  await assertAccepted(await pcapi.tokenFor(DEMO.fabrikamAutomation));
  await assertAccepted(await sign(await genuineClaims(), { alg: 'RS256', typ: 'JWT', kid: serverKid }, serverPrivateKey));
});

test('alg none is refused', async () => {
  const claims = await genuineClaims();
  for (const alg of ['none', 'None', 'NONE']) {
    await assertRefused(`${b64({ alg, typ: 'JWT', kid: serverKid })}.${b64(claims)}.`, /algorithm/);
  }
});

test('HS256 signed with the server public key (PEM and JWK bytes) is refused', async () => {
  const claims = await genuineClaims();
  const pem = await exportSPKI((await importJWK(serverPublicJwk, 'RS256')) as CryptoKey);
  for (const secret of [pem, pem.trim(), JSON.stringify(serverPublicJwk), serverPublicJwk.n!]) {
    const token = await sign(claims, { alg: 'HS256', typ: 'JWT', kid: serverKid }, new TextEncoder().encode(secret));
    await assertRefused(token, /algorithm/);
  }
});

test('a token signed by an unknown key with a made-up kid is refused', async () => {
  const token = await sign(await genuineClaims(), { alg: 'RS256', typ: 'JWT', kid: 'attacker-key-1' }, attacker.privateKey);
  await assertRefused(token, /kid/);
  const noKid = await sign(await genuineClaims(), { alg: 'RS256', typ: 'JWT' }, attacker.privateKey);
  await assertRefused(noKid, /kid/);
});

test('header-supplied keys (jwk, jku, x5u) are refused, whoever signed the token', async () => {
  const claims = await genuineClaims();
  const headers: JWTHeaderParameters[] = [
    { alg: 'RS256', typ: 'JWT', kid: 'attacker', jwk: { ...attacker.publicJwk, kid: 'attacker' } },
    { alg: 'RS256', typ: 'JWT', kid: serverKid, jku: 'http://127.0.0.1:1/keys' },
    { alg: 'RS256', typ: 'JWT', kid: serverKid, x5u: 'http://127.0.0.1:1/cert.pem' },
  ];
  for (const header of headers) {
    await assertRefused(await sign(claims, header, attacker.privateKey), /key material/);
    // Even correctly signed, the header alone is grounds for refusal.
    await assertRefused(await sign(claims, { ...header, kid: serverKid }, serverPrivateKey), /key material/);
  }
});

test('missing exp, nbf or iat are refused', async () => {
  for (const claim of ['exp', 'nbf', 'iat']) {
    const token = await pcapi.tokenFor(DEMO.fabrikamAutomation, { overrides: { [claim]: null } });
    assert.ok(!(claim in decodeJwt(token)));
    await assertRefused(token, new RegExp(claim));
  }
});

test('an expired token and a token not yet valid are refused', async () => {
  const expired = await pcapi.tokenFor(DEMO.fabrikamAutomation, { issuedAtOffsetSeconds: -7200, lifetimeSeconds: 3600 });
  await assertRefused(expired, /expired/);
  const future = await pcapi.tokenFor(DEMO.fabrikamAutomation, { notBeforeDelaySeconds: 3600 });
  await assertRefused(future, /not valid yet/);
});

test('a wrong audience is refused; Partner Center app id as audience is accepted', async () => {
  for (const audience of ['https://graph.microsoft.com', 'https://api.partnercenter.microsoft.com/', 'api.partnercenter.microsoft.com']) {
    await assertRefused(await pcapi.tokenFor(DEMO.fabrikamAutomation, { audience }), /audience/);
  }
  await assertAccepted(await pcapi.tokenFor(DEMO.fabrikamAutomation, { audience: PC_APP_ID }));
});

test('a correctly signed token from an issuer that is not trusted is refused', async () => {
  for (const iss of [`https://sts.windows.net/${DEMO.fabrikam}/`, `https://login.microsoftonline.com/${DEMO.fabrikam}/v2.0`, `${pcapi.url}/${DEMO.adatum}/v2.0`]) {
    await assertRefused(await pcapi.tokenFor(DEMO.fabrikamAutomation, { overrides: { iss } }), /issuer/);
  }
});

test('a token for a tenant the server does not know is refused', async () => {
  // tid changed alone: the issuer no longer matches the tenant.
  await assertRefused(await pcapi.tokenFor(DEMO.fabrikamAutomation, { overrides: { tid: UNKNOWN_TENANT } }));
  // tid and a matching local issuer, correctly signed: the tenant is still unknown.
  const token = await pcapi.tokenFor(DEMO.fabrikamAutomation, { overrides: { tid: UNKNOWN_TENANT, iss: `${pcapi.url}/${UNKNOWN_TENANT}/v2.0` } });
  await assertRefused(token, /not a partner tenant/);
});

test('a tampered payload with the original signature is refused', async () => {
  const token = await pcapi.tokenFor(DEMO.fabrikamAutomation);
  const [header, payload, signature] = token.split('.') as [string, string, string];
  const claims = decodeJwt(token);
  for (const change of [{ exp: (claims.exp as number) + 86_400 }, { appid: DEMO.fabrikamReporting }, { idtyp: 'user', scp: 'user_impersonation' }]) {
    const tampered = `${header}.${b64({ ...claims, ...change })}.${signature}`;
    assert.notEqual(tampered.split('.')[1], payload);
    await assertRefused(tampered, /signature/);
  }
  await assertAccepted(token);
});

test('a token signed by another pcapi instance is refused', async () => {
  const foreign = await other.tokenFor(DEMO.fabrikamAutomation);
  await assertAccepted(foreign, other);
  await assertRefused(foreign, /issuer/);
  // Same issuer string as ours, other instance's key and kid.
  const localIss = `${pcapi.url}/${DEMO.fabrikam}/v2.0`;
  await assertRefused(await other.tokenFor(DEMO.fabrikamAutomation, { overrides: { iss: localIss } }), /kid/);
  // Other instance's key posing as ours (our kid).
  const { kid: otherKid, key: otherKey } = await privateKeyOf(other);
  assert.notEqual(otherKid, serverKid);
  const claims = decodeJwt(foreign);
  await assertRefused(await sign({ ...claims, iss: localIss }, { alg: 'RS256', typ: 'JWT', kid: serverKid }, otherKey), /signature/);
});

test('garbage in the Authorization header is refused as invalid_token', async () => {
  for (const token of ['abc', 'a.b.c', `${b64({ alg: 'RS256', kid: 'x' })}.e30.AAAA`, `Bearer.${'x'.repeat(64)}`]) {
    await assertRefused(token);
  }
});

test('a cached token is refused once past exp (clock tolerance 0), and accepted up to its last second', async (t) => {
  const strict = await buildInjectApp(t, { clockTolerance: '0' });
  const token = await strict.tokenFor(DEMO.fabrikamAutomation, { lifetimeSeconds: 2 });
  const exp = decodeJwt(token).exp as number;
  const status = async () => (await strict.getOrganization(DEMO.contoso, { token })).status;
  assert.equal(await status(), 200);
  assert.equal(await status(), 200); // served from the caller cache
  strict.clock.set(exp * 1000 - 1);
  assert.equal(await status(), 200);
  strict.clock.set(exp * 1000);
  const refused = await strict.getOrganization(DEMO.contoso, { token });
  assert.equal(refused.status, 401);
  assert.match(await refused.text(), /expired/);
});
