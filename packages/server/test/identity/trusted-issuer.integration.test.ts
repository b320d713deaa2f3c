/**
 * External issuers: server B plays "the external Entra"; server A trusts B's issuer template and so
 * fetches B's discovery document and JWKS to verify B's tokens; server C trusts nobody.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { decodeJwt, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import type { RawServeOptions } from '../../src/config.js';
import { CONTOSO_BODY, DEMO, startTestServer, type TestServer } from '../helpers/test-server.js';

const PC = 'https://api.partnercenter.microsoft.com';
const MISNAMED = 'https://login.example.test';
const UNREACHABLE = 'http://127.0.0.1:9';

let B: TestServer;
let A: TestServer;
let C: TestServer;
const closers: (() => Promise<void>)[] = [];

async function shared(options: RawServeOptions = {}): Promise<TestServer> {
  const started = await startTestServer(undefined, options);
  closers.push(started.close);
  return started;
}

before(async () => {
  B = await shared(); // first: its URL is known only once it listens
  A = await shared({
    trustedIssuer: [
      `${B.url}/{tenantid}/v2.0`,
      // Claims an issuer name whose discovery document (B's) names another issuer.
      `${MISNAMED}/{tenantid}/v2.0|${B.url}/{tenantid}/v2.0/.well-known/openid-configuration`,
      // Nobody listens there.
      `${UNREACHABLE}/{tenantid}/v2.0`,
    ],
  });
  C = await shared();
});
after(async () => {
  for (const close of closers) await close();
});

async function call(server: TestServer, token: string) {
  const response = await server.getOrganization(DEMO.contoso, { token });
  return { response, text: await response.text() };
}

async function assertRefused(server: TestServer, token: string, reason: RegExp): Promise<void> {
  const { response, text } = await call(server, token);
  assert.equal(response.status, 401, text);
  const body = JSON.parse(text) as { code: number; data: string[] };
  assert.equal(body.code, 400);
  assert.match(response.headers.get('www-authenticate') ?? '', /^Bearer .*error="invalid_token"/);
  assert.match(body.data.join(' '), reason);
}

test('a token minted by B for Fabrikam Automation is accepted by A, which trusts B', async () => {
  const token = await B.tokenFor(DEMO.fabrikamAutomation);
  assert.equal(decodeJwt(token).iss, `${B.url}/${DEMO.fabrikam}/v2.0`);
  const first = await call(A, token);
  assert.equal(first.response.status, 200, first.text);
  assert.equal(first.text, CONTOSO_BODY);
  // Again, now with B's keys (and the verified token) cached.
  const second = await call(A, await B.tokenFor(DEMO.fabrikamAutomation));
  assert.equal(second.response.status, 200, second.text);
});

test("a token from B's own token endpoint (password grant) is accepted by A", async () => {
  const response = await fetch(`${B.url}/fabrikam.example/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'password', client_id: DEMO.fabrikamAutomation, username: 'admin@fabrikam.example',
      password: DEMO.secret, scope: `${PC}/user_impersonation`,
    }).toString(),
  });
  const body = (await response.json()) as { access_token: string };
  assert.equal(response.status, 200, JSON.stringify(body));
  const result = await call(A, body.access_token);
  assert.equal(result.response.status, 200, result.text);
  assert.equal(result.text, CONTOSO_BODY);
});

test("A still accepts its own tokens next to B's", async () => {
  const result = await call(A, await A.tokenFor(DEMO.fabrikamAutomation));
  assert.equal(result.response.status, 200, result.text);
});

test('the same B token is refused by C, which does not trust B', async () => {
  await assertRefused(C, await B.tokenFor(DEMO.fabrikamAutomation), /issuer .* is not trusted/);
});

test("a B token whose tid does not match its issuer's tenant is refused", async () => {
  // iss names Fabrikam's issuer at B, tid claims Adatum: the issuer for Adatum would differ.
  const token = await B.tokenFor(DEMO.fabrikamAutomation, { overrides: { tid: DEMO.adatum } });
  assert.equal(decodeJwt(token).iss, `${B.url}/${DEMO.fabrikam}/v2.0`);
  await assertRefused(A, token, /not trusted/);
  // A tid that is not a GUID cannot be spliced into the issuer template.
  const spliced = `x/../${DEMO.fabrikam}`;
  await assertRefused(A, await B.tokenFor(DEMO.fabrikamAutomation, { overrides: { tid: spliced, iss: `${B.url}/${spliced}/v2.0` } }), /tid/);
});

test("a token naming B's issuer but not signed with B's keys is refused", async () => {
  // Signed by A's own key.
  const byA = await A.tokenFor(DEMO.fabrikamAutomation, { overrides: { iss: `${B.url}/${DEMO.fabrikam}/v2.0` } });
  await assertRefused(A, byA, /kid/);
  // Signed by an attacker key that reuses B's kid.
  const jwks = (await (await fetch(`${B.url}/${DEMO.fabrikam}/discovery/v2.0/keys`)).json()) as { keys: { kid: string }[] };
  const { privateKey } = await generateKeyPair('RS256');
  const claims = decodeJwt(await B.tokenFor(DEMO.fabrikamAutomation));
  const forged = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: jwks.keys[0]!.kid }).sign(privateKey as CryptoKey);
  await assertRefused(A, forged, /signature/);
});

test('B tokens still face the expiry and audience checks at A', async () => {
  await assertRefused(A, await B.tokenFor(DEMO.fabrikamAutomation, { issuedAtOffsetSeconds: -7200, lifetimeSeconds: 3600 }), /expired/);
  await assertRefused(A, await B.tokenFor(DEMO.fabrikamAutomation, { notBeforeDelaySeconds: 3600 }), /not valid yet/);
  await assertRefused(A, await B.tokenFor(DEMO.fabrikamAutomation, { audience: 'https://graph.microsoft.com' }), /audience/);
});

test('a discovery document naming another issuer is not trusted for it, cached or not', async () => {
  // Adatum: no discovery document of B's for this tenant is cached by A yet.
  const misnamed = () => B.tokenFor(DEMO.adatumAutomation, { overrides: { iss: `${MISNAMED}/${DEMO.adatum}/v2.0` } });
  await assertRefused(A, await misnamed(), /names issuer/);
  // A genuine B token for Adatum makes A fetch and cache the same discovery document under B's entry...
  const genuine = await A.getOrganization(DEMO.litware, { token: await B.tokenFor(DEMO.adatumAutomation) });
  assert.equal(genuine.status, 200, await genuine.text());
  // ...which must not make the misnamed issuer acceptable.
  await assertRefused(A, await misnamed(), /names issuer/);
});

test('an unreachable trusted issuer gives 401, not a server error', async () => {
  const token = await B.tokenFor(DEMO.fabrikamAutomation, { overrides: { iss: `${UNREACHABLE}/${DEMO.fabrikam}/v2.0` } });
  await assertRefused(A, token, /could not be fetched/);
});
