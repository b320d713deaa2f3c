/**
 * The Secure Application Model end to end, as Microsoft's .NET sample does it, over plain HTTP
 * requests to a real pcapi: the partner admin consents once in the browser pages (OpenID Connect
 * against /common, `code id_token`, form_post, amr_values=mfa), the code is redeemed at the v1 token
 * endpoint with `resource=`, and the stored refresh token is exchanged for Partner Center and Graph
 * tokens a month later (time moved with the server's clock), by hand and through the SDK's
 * RefreshTokenCredential, until the admin's password changes (`pcapi seed` from another process).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { PartnerCenterClient, RefreshTokenCredential } from '@pcapi/client';
import { ManualClock } from '../../src/clock.js';
import { DEMO_SEED_FILE } from '../../src/package-paths.js';
import { runPcapi } from '../helpers/run-cli.js';
import { startTestServer } from '../helpers/test-server.js';
import { DEMO } from '../helpers/demo-ids.js';
import { claimsOf, signIn, tokenRequest, type Fetch } from './sign-in-helpers.js';

const APP = DEMO.fabrikamReporting;
const REDIRECT = 'https://localhost/callback';
const PARTNER_CENTER = 'https://api.partnercenter.microsoft.com';
const DAY_MS = 24 * 3600_000;

test('SAM: consent with MFA, v1 code redemption with resource=, refresh a month later, revoked by a password change', async (t) => {
  const clock = new ManualClock(Date.now());
  const pcapi = await startTestServer(t, {}, clock);
  const http: Fetch = (input, init) => fetch(new URL(String(input), pcapi.url), init);

  // 1. Consent: the partner admin signs in once, with MFA, in the browser pages.
  const consent = await signIn(http, {
    tenant: 'common', clientId: APP, redirectUri: REDIRECT, scope: 'openid profile', responseMode: 'form_post', state: 'sam',
    nonce: 'sample-nonce', username: 'admin@fabrikam.example', password: DEMO.secret, pkce: false, responseType: 'code id_token', amrValues: 'mfa', v1: true,
  });
  assert.deepEqual(consent.pages, ['password', 'mfa', 'consent']);
  assert.equal(consent.params?.get('state'), 'sam');
  assert.equal(claimsOf(consent.params?.get('id_token')).nonce, 'sample-nonce');
  const code = consent.params!.get('code')!;
  // OpenID Connect binds the code to the ID token; OWIN's and ASP.NET Core's validators require it.
  assert.deepEqual([claimsOf(consent.params?.get('id_token')).upn, claimsOf(consent.params?.get('id_token')).unique_name], ['admin@fabrikam.example', 'admin@fabrikam.example'], 'v1: the names ADAL-era code reads');
  assert.equal(claimsOf(consent.params?.get('id_token')).c_hash, createHash('sha256').update(code).digest().subarray(0, 16).toString('base64url'));

  // 2. The consent app redeems the code at the partner tenant's v1 endpoint for Partner Center.
  const v1Token = `/${DEMO.fabrikam}/oauth2/token`;
  const redeemed = await tokenRequest(http, v1Token, {
    grant_type: 'authorization_code', client_id: APP, client_secret: DEMO.secret, code, redirect_uri: REDIRECT, resource: PARTNER_CENTER,
  });
  assert.equal(redeemed.status, 200, JSON.stringify(redeemed.body));
  assert.equal(redeemed.body.resource, PARTNER_CENTER);
  assert.equal(typeof redeemed.body.expires_in, 'string', 'v1 sends numbers as strings');
  assert.equal(typeof redeemed.body.expires_on, 'string');
  assert.deepEqual(claimsOf(redeemed.body.access_token).amr, ['pwd', 'mfa']);
  const storedRefreshToken = redeemed.body.refresh_token as string;
  assert.equal((await pcapi.getOrganization(DEMO.contoso, { token: redeemed.body.access_token as string })).status, 200);

  // 3. A month later, the background job exchanges the stored refresh token: Partner Center, then Graph.
  clock.advance(30 * DAY_MS);
  const later = await tokenRequest(http, v1Token, { grant_type: 'refresh_token', client_id: APP, client_secret: DEMO.secret, refresh_token: storedRefreshToken, resource: PARTNER_CENTER });
  assert.equal(later.status, 200, JSON.stringify(later.body));
  const laterClaims = claimsOf(later.body.access_token);
  assert.deepEqual(laterClaims.amr, ['pwd', 'mfa'], 'the MFA of the consent carries over');
  assert.equal(laterClaims.iat, Math.floor(clock.now() / 1000), "tokens are minted at the server clock's time");
  assert.notEqual(later.body.refresh_token, storedRefreshToken, 'a new refresh token on every use');
  assert.equal((await pcapi.getOrganization(DEMO.contoso, { token: later.body.access_token as string })).status, 200);
  const graph = await tokenRequest(http, v1Token, { grant_type: 'refresh_token', client_id: APP, client_secret: DEMO.secret, refresh_token: storedRefreshToken, resource: 'https://graph.microsoft.com' });
  assert.equal(graph.status, 200, JSON.stringify(graph.body));
  assert.equal(claimsOf(graph.body.access_token).aud, 'https://graph.microsoft.com');

  // The SDK's RefreshTokenCredential does the same for PartnerCenterClient, and hands over each new refresh token.
  const rotated: string[] = [];
  const credential = new RefreshTokenCredential(DEMO.fabrikam, APP, storedRefreshToken, {
    clientSecret: DEMO.secret, authorityHost: pcapi.url, allowInsecureConnection: true, onRefreshTokenRotated: (token) => void rotated.push(token),
  });
  const client = new PartnerCenterClient(pcapi.url, credential, { allowInsecureConnection: true });
  const organizations = await client.getCustomerOrganization(DEMO.contoso);
  assert.equal(organizations[0]?.displayName, 'Contoso');
  assert.equal(rotated.length, 1);
  assert.equal(credential.refreshToken, rotated[0]);

  // 4. The admin changes their password (another process imports the change): every refresh token is revoked.
  const work = mkdtempSync(join(tmpdir(), 'pcapi-sam-'));
  t.after(() => rmSync(work, { recursive: true, force: true }));
  const changedSeed = join(work, 'changed.seed.json');
  const demo = JSON.parse(readFileSync(DEMO_SEED_FILE, 'utf8')) as { partners: { users?: { userPrincipalName: string; password?: string }[] }[] };
  for (const user of demo.partners.flatMap((p) => p.users ?? [])) if (user.userPrincipalName === 'admin@fabrikam.example') user.password = 'a-new-password';
  writeFileSync(changedSeed, JSON.stringify(demo));
  const imported = await runPcapi(['seed', changedSeed, '--data-dir', pcapi.dataDir]);
  assert.equal(imported.code, 0, imported.stderr);

  for (const refreshToken of [storedRefreshToken, later.body.refresh_token as string, credential.refreshToken]) {
    const revoked = await tokenRequest(http, v1Token, { grant_type: 'refresh_token', client_id: APP, client_secret: DEMO.secret, refresh_token: refreshToken, resource: PARTNER_CENTER });
    assert.equal(revoked.status, 400);
    assert.equal(revoked.body.error, 'invalid_grant');
    assert.deepEqual(revoked.body.error_codes, [50173]);
    assert.equal(revoked.body.suberror, 'bad_token');
  }
});
