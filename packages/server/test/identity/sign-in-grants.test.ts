/**
 * The token endpoint's refresh-token grant (v2) as Entra answers it: a new refresh token on every
 * use, the sign-in's MFA kept, any consented resource, 90 days of inactivity, revocation by a new
 * password, a withdrawn consent or a disabled account; plus OIDC discovery and the Entra error body
 * every refusal carries (and no 500 for a malformed request).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { importSeedDocument, DEMO_SEED_FILE } from '../../src/seed/import-seed.js';
import { readSeedFile } from '../../src/seed/validate-seed.js';
import { buildInjectApp, DEMO, TEST_PUBLIC_URL, type InjectApp } from '../helpers/inject-app.js';
import { claimsOf, signIn, tokenRequest, type Fetch } from './sign-in-helpers.js';

const APP = DEMO.fabrikamAutomation;
const REDIRECT = 'https://localhost/callback';
const PC = 'https://api.partnercenter.microsoft.com';
const GRAPH = 'https://graph.microsoft.com';
const PC_SCOPE = `${PC}/user_impersonation openid profile offline_access`;
const TOKEN = '/fabrikam.example/oauth2/v2.0/token';
const DAY = 24 * 3600_000;

/** Asserts an Entra error body (facts §7): every field, the description starting with its AADSTS code. */
function assertEntraError(
  response: { status: number; body: Record<string, unknown> },
  expected: { status: 400 | 401; error: string; code: number; suberror?: string },
) {
  const { status, body } = response;
  assert.equal(status, expected.status, JSON.stringify(body));
  assert.equal(body.error, expected.error);
  assert.deepEqual(body.error_codes, [expected.code]);
  assert.match(String(body.error_description), new RegExp(`^AADSTS${expected.code}: `));
  assert.match(String(body.timestamp), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/);
  assert.match(String(body.trace_id), /^[0-9a-f-]{36}$/);
  assert.equal(typeof body.correlation_id, 'string');
  assert.notEqual(body.correlation_id, '');
  assert.equal(body.error_uri, `https://login.microsoftonline.com/error?code=${expected.code}`);
  assert.equal(body.suberror, expected.suberror);
}

/** Signs a demo user in to `clientId` (consenting if asked) and redeems the code; returns the token response. */
async function signInForTokens(fetch: Fetch, options: { username?: string; clientId?: string } = {}) {
  const clientId = options.clientId ?? APP;
  const result = await signIn(fetch, { clientId, redirectUri: REDIRECT, scope: PC_SCOPE, username: options.username ?? 'admin@fabrikam.example', password: DEMO.secret });
  const code = result.params?.get('code');
  assert.ok(code, `no code: ${result.html}`);
  const { status, body } = await tokenRequest(fetch, TOKEN, {
    grant_type: 'authorization_code', client_id: clientId, client_secret: DEMO.secret, code, redirect_uri: REDIRECT, scope: PC_SCOPE, code_verifier: result.verifier!,
  });
  assert.equal(status, 200, JSON.stringify(body));
  assert.equal(typeof body.refresh_token, 'string');
  return body;
}

const refresh = (fetch: Fetch, refreshToken: unknown, extra: Record<string, string | undefined> = {}) => {
  const fields: Record<string, string | undefined> = {
    grant_type: 'refresh_token', client_id: APP, client_secret: DEMO.secret, refresh_token: String(refreshToken), scope: PC_SCOPE, client_info: '1', ...extra,
  };
  return tokenRequest(fetch, TOKEN, Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as Record<string, string>);
};

/** Re-imports the demo dataset with one Fabrikam user changed, as `pcapi seed` would on a running server. */
async function reimportDemoWith(pcapi: InjectApp, userPrincipalName: string, change: (user: Record<string, unknown>) => void) {
  const document = readSeedFile(DEMO_SEED_FILE) as unknown as { partners: { users: Record<string, unknown>[] }[] };
  const user = document.partners[0]!.users.find((u) => u.userPrincipalName === userPrincipalName);
  assert.ok(user, userPrincipalName);
  change(user);
  return importSeedDocument(pcapi.store, document as never, DEMO_SEED_FILE, new Date(pcapi.clock.now()));
}

test('a refresh token: a new one on every use, the old one still valid, MFA kept, Partner Center accepts the token', async (t) => {
  const pcapi = await buildInjectApp(t);
  const first = await signInForTokens(pcapi.fetch);

  const second = await refresh(pcapi.fetch, first.refresh_token);
  assert.equal(second.status, 200, JSON.stringify(second.body));
  assert.equal(second.body.token_type, 'Bearer');
  assert.equal(second.body.scope, `${PC}/user_impersonation openid profile offline_access`);
  assert.equal(typeof second.body.expires_in, 'number');
  assert.ok((second.body.expires_in as number) >= 3600);
  assert.equal(typeof second.body.refresh_token, 'string');
  assert.notEqual(second.body.refresh_token, first.refresh_token, 'a new refresh token on every use');
  assert.deepEqual(JSON.parse(Buffer.from(String(second.body.client_info), 'base64url').toString()).utid, DEMO.fabrikam);
  const access = claimsOf(second.body.access_token);
  assert.equal(access.aud, PC);
  assert.deepEqual(access.amr, ['pwd', 'mfa'], 'the MFA of the original sign-in is kept');
  assert.equal(access.scp, 'user_impersonation');
  assert.equal(access.appid, APP);
  assert.equal(access.upn, 'admin@fabrikam.example');
  assert.equal(claimsOf(second.body.id_token).aud, APP);
  assert.equal((await pcapi.getOrganization(DEMO.contoso, { token: second.body.access_token as string })).status, 200);

  // The old one is not revoked by its use; the new one works too, and also returns a new one.
  const again = await refresh(pcapi.fetch, first.refresh_token);
  assert.equal(again.status, 200, JSON.stringify(again.body));
  assert.notEqual(again.body.refresh_token, second.body.refresh_token);
  const third = await refresh(pcapi.fetch, second.body.refresh_token);
  assert.equal(third.status, 200);
  assert.deepEqual(claimsOf(third.body.access_token).amr, ['pwd', 'mfa']);

  // A user without MFA gets none later either.
  const nomfa = await signInForTokens(pcapi.fetch, { username: 'nomfa@fabrikam.example' });
  const nomfaRefreshed = await refresh(pcapi.fetch, nomfa.refresh_token);
  assert.deepEqual(claimsOf(nomfaRefreshed.body.access_token).amr, ['pwd']);
});

test('a refresh token serves any consented resource (Graph); an unconsented one is 65001 consent_required', async (t) => {
  const pcapi = await buildInjectApp(t);
  // Consent to Partner Center only: the first consent includes Graph's User.Read, as at Entra (facts §8).
  const tokens = await signInForTokens(pcapi.fetch);

  const graph = await refresh(pcapi.fetch, tokens.refresh_token, { scope: `${GRAPH}/User.Read offline_access` });
  assert.equal(graph.status, 200, JSON.stringify(graph.body));
  const access = claimsOf(graph.body.access_token);
  assert.equal(access.aud, GRAPH);
  assert.equal(access.scp, 'User.Read');
  assert.deepEqual(access.amr, ['pwd', 'mfa']);
  assert.equal(graph.body.scope, 'User.Read offline_access');
  assert.equal(typeof graph.body.refresh_token, 'string');
  // A Graph token is not a Partner Center token.
  assert.equal((await pcapi.getOrganization(DEMO.contoso, { token: graph.body.access_token as string })).status, 401);

  // The refresh token Graph's exchange returned still gets Partner Center tokens: bound to user + client, not resource.
  const back = await refresh(pcapi.fetch, graph.body.refresh_token);
  assert.equal(back.status, 200);
  assert.equal(claimsOf(back.body.access_token).aud, PC);

  const notConsented = await refresh(pcapi.fetch, tokens.refresh_token, { scope: `${GRAPH}/Directory.Read.All offline_access` });
  assertEntraError(notConsented, { status: 400, error: 'invalid_grant', code: 65001, suberror: 'consent_required' });
  assert.match(String(notConsented.body.error_description), /Directory\.Read\.All/);

  // Two resources in one request: Entra refuses (AADSTS700022).
  const twoResources = await refresh(pcapi.fetch, tokens.refresh_token, { scope: `${PC}/user_impersonation ${GRAPH}/User.Read` });
  assertEntraError(twoResources, { status: 400, error: 'invalid_scope', code: 700022 });
});

test('90 days without use end a refresh token (700082 bad_token); each use gives 90 more days', async (t) => {
  const pcapi = await buildInjectApp(t);
  const idle = await signInForTokens(pcapi.fetch);
  const used = await signInForTokens(pcapi.fetch);

  pcapi.clock.advance(60 * DAY);
  const renewed = await refresh(pcapi.fetch, used.refresh_token);
  assert.equal(renewed.status, 200, JSON.stringify(renewed.body));

  pcapi.clock.advance(31 * DAY); // day 91
  assertEntraError(await refresh(pcapi.fetch, idle.refresh_token), { status: 400, error: 'invalid_grant', code: 700082, suberror: 'bad_token' });
  assertEntraError(await refresh(pcapi.fetch, used.refresh_token), { status: 400, error: 'invalid_grant', code: 700082, suberror: 'bad_token' });

  pcapi.clock.advance(29 * DAY); // day 120: 60 days after the renewal
  const later = await refresh(pcapi.fetch, renewed.body.refresh_token);
  assert.equal(later.status, 200, JSON.stringify(later.body));
  assert.deepEqual(claimsOf(later.body.access_token).amr, ['pwd', 'mfa']);
  // Still told as inactive, not as unknown, after other requests went by.
  assertEntraError(await refresh(pcapi.fetch, idle.refresh_token), { status: 400, error: 'invalid_grant', code: 700082, suberror: 'bad_token' });
});

test('a new password revokes refresh tokens (50173 bad_token); a re-import that keeps it does not', async (t) => {
  const pcapi = await buildInjectApp(t);
  const tokens = await signInForTokens(pcapi.fetch);
  const other = await signInForTokens(pcapi.fetch, { username: 'nomfa@fabrikam.example' });

  await reimportDemoWith(pcapi, 'sales@fabrikam.example', () => undefined);
  assert.equal((await refresh(pcapi.fetch, tokens.refresh_token)).status, 200, 'an unchanged password keeps the token');

  await reimportDemoWith(pcapi, 'admin@fabrikam.example', (user) => {
    user.password = 'a-new-password';
  });
  const revoked = await refresh(pcapi.fetch, tokens.refresh_token);
  assertEntraError(revoked, { status: 400, error: 'invalid_grant', code: 50173, suberror: 'bad_token' });
  // Another user's tokens are untouched; the user signs in with the new password and gets a working one.
  assert.equal((await refresh(pcapi.fetch, other.refresh_token)).status, 200);
  const result = await signIn(pcapi.fetch, { clientId: APP, redirectUri: REDIRECT, username: 'admin@fabrikam.example', password: 'a-new-password' });
  assert.deepEqual(result.pages, ['password', 'mfa']);
  const fresh = await tokenRequest(pcapi.fetch, TOKEN, {
    grant_type: 'authorization_code', client_id: APP, client_secret: DEMO.secret, code: result.params!.get('code')!, redirect_uri: REDIRECT, code_verifier: result.verifier!,
  });
  assert.equal((await refresh(pcapi.fetch, fresh.body.refresh_token)).status, 200);
});

test('a withdrawn consent revokes refresh tokens (65001 consent_required); consenting again does not revive them', async (t) => {
  const pcapi = await buildInjectApp(t);
  const tokens = await signInForTokens(pcapi.fetch);
  const oid = String(claimsOf(tokens.access_token).oid);
  assert.equal(await pcapi.store.deleteConsent(DEMO.fabrikam, APP, oid), true);

  const withdrawn = await refresh(pcapi.fetch, tokens.refresh_token);
  assertEntraError(withdrawn, { status: 400, error: 'invalid_grant', code: 65001, suberror: 'consent_required' });

  pcapi.clock.advance(60_000);
  const again = await signIn(pcapi.fetch, { clientId: APP, redirectUri: REDIRECT, scope: PC_SCOPE, username: 'admin@fabrikam.example', password: DEMO.secret });
  assert.deepEqual(again.pages, ['password', 'mfa', 'consent'], 'the consent page is shown again');
  const fresh = await tokenRequest(pcapi.fetch, TOKEN, {
    grant_type: 'authorization_code', client_id: APP, client_secret: DEMO.secret, code: again.params!.get('code')!, redirect_uri: REDIRECT, code_verifier: again.verifier!,
  });
  assert.equal(fresh.status, 200);
  assert.equal((await refresh(pcapi.fetch, fresh.body.refresh_token)).status, 200);
  assertEntraError(await refresh(pcapi.fetch, tokens.refresh_token), { status: 400, error: 'invalid_grant', code: 65001, suberror: 'consent_required' });
});

test('a disabled user (50057), another client (700007), garbage (bad_token), a confidential client without its secret (401)', async (t) => {
  const pcapi = await buildInjectApp(t);
  const tokens = await signInForTokens(pcapi.fetch);
  const reporting = await signInForTokens(pcapi.fetch, { clientId: DEMO.fabrikamReporting, username: 'nomfa@fabrikam.example' });

  assertEntraError(await refresh(pcapi.fetch, tokens.refresh_token, { client_id: DEMO.fabrikamReporting }), { status: 400, error: 'invalid_grant', code: 700007 });
  assertEntraError(await refresh(pcapi.fetch, tokens.refresh_token, { client_id: '04b07795-8ddb-461a-bbee-02f9e1bf7b46', client_secret: undefined }), {
    status: 400, error: 'invalid_grant', code: 700007,
  });
  for (const garbage of ['not-a-refresh-token', '0.AAAA' + 'x'.repeat(600), tokens.access_token as string]) {
    const refused = await refresh(pcapi.fetch, garbage);
    assert.equal(refused.status, 400, JSON.stringify(refused.body));
    assert.equal(refused.body.error, 'invalid_grant');
    assert.equal(refused.body.suberror, 'bad_token');
    assert.match(String(refused.body.error_description), /^AADSTS\d+: /);
  }

  // Fabrikam Reporting is confidential: its refresh token needs its secret (a wrong one too is 401).
  const reportingRefresh = (extra: Record<string, string | undefined>) =>
    refresh(pcapi.fetch, reporting.refresh_token, { client_id: DEMO.fabrikamReporting, scope: `${PC}/user_impersonation offline_access`, ...extra });
  assertEntraError(await reportingRefresh({ client_secret: undefined }), { status: 401, error: 'invalid_client', code: 7000218 });
  assertEntraError(await reportingRefresh({ client_secret: 'wrong' }), { status: 401, error: 'invalid_client', code: 7000215 });
  const withSecret = await reportingRefresh({});
  assert.equal(withSecret.status, 200);
  assert.equal(claimsOf(withSecret.body.access_token).appidacr, '1');
  // Fabrikam Automation allows public client flows: its refresh token works without the secret.
  const publicRefresh = await refresh(pcapi.fetch, tokens.refresh_token, { client_secret: undefined });
  assert.equal(publicRefresh.status, 200);
  assert.equal(claimsOf(publicRefresh.body.access_token).appidacr, '0');

  await reimportDemoWith(pcapi, 'admin@fabrikam.example', (user) => {
    user.accountEnabled = false;
  });
  assertEntraError(await refresh(pcapi.fetch, tokens.refresh_token), { status: 400, error: 'invalid_grant', code: 50057 });
  await reimportDemoWith(pcapi, 'admin@fabrikam.example', (user) => {
    user.accountEnabled = true;
  });
  assert.equal((await refresh(pcapi.fetch, tokens.refresh_token)).status, 200, 'enabled again, the same password: the token stands');
});

test('the password grant: a confidential app without its secret is refused (7000218), a disabled user too (50057), on v2 and v1', async (t) => {
  const pcapi = await buildInjectApp(t);
  const password = (path: string, fields: Record<string, string>) => tokenRequest(pcapi.fetch, `/fabrikam.example/${path}`, {
    grant_type: 'password', username: 'helpdesk@fabrikam.example', password: DEMO.secret, ...fields,
  });
  const v2 = { scope: 'https://api.partnercenter.microsoft.com/.default' };
  const v1 = { resource: 'https://api.partnercenter.microsoft.com' };
  // Fabrikam Reporting is confidential: it must authenticate, whichever endpoint.
  assertEntraError(await password('oauth2/v2.0/token', { client_id: DEMO.fabrikamReporting, ...v2 }), { status: 401, error: 'invalid_client', code: 7000218 });
  assertEntraError(await password('oauth2/token', { client_id: DEMO.fabrikamReporting, ...v1 }), { status: 401, error: 'invalid_client', code: 7000218 });
  const withSecret = await password('oauth2/v2.0/token', { client_id: DEMO.fabrikamReporting, client_secret: DEMO.secret, ...v2 });
  assert.equal(withSecret.status, 200, JSON.stringify(withSecret.body));
  assert.equal(claimsOf(withSecret.body.access_token).appidacr, '1');
  // Fabrikam Automation allows public client flows.
  assert.equal((await password('oauth2/v2.0/token', { client_id: DEMO.fabrikamAutomation, ...v2 })).status, 200);

  await reimportDemoWith(pcapi, 'helpdesk@fabrikam.example', (user) => {
    user.accountEnabled = false;
  });
  assertEntraError(await password('oauth2/v2.0/token', { client_id: DEMO.fabrikamAutomation, ...v2 }), { status: 400, error: 'invalid_grant', code: 50057 });
  assertEntraError(await password('oauth2/token', { client_id: DEMO.fabrikamAutomation, ...v1 }), { status: 400, error: 'invalid_grant', code: 50057 });
  // A wrong password is still the wrong password: a disabled account is told only to who knows it.
  assertEntraError(await password('oauth2/v2.0/token', { client_id: DEMO.fabrikamAutomation, password: 'wrong', ...v2 }), { status: 400, error: 'invalid_grant', code: 50126 });
});

test('a code or refresh token is redeemed at its user\'s tenant (id or domain), /organizations or /common; elsewhere 90002 or 50020', async (t) => {
  const pcapi = await buildInjectApp(t);
  const tokens = await signInForTokens(pcapi.fetch);
  const refreshAt = (tenant: string) => tokenRequest(pcapi.fetch, `/${tenant}/oauth2/v2.0/token`, {
    grant_type: 'refresh_token', client_id: APP, client_secret: DEMO.secret, refresh_token: String(tokens.refresh_token), scope: PC_SCOPE,
  });
  assertEntraError(await refreshAt('nonexistent.example'), { status: 400, error: 'invalid_tenant', code: 90002 });
  assertEntraError(await refreshAt('consumers'), { status: 400, error: 'invalid_tenant', code: 90002 });
  assertEntraError(await refreshAt(DEMO.contoso), { status: 400, error: 'invalid_tenant', code: 90002 }, );
  assertEntraError(await refreshAt('adatum.example'), { status: 400, error: 'invalid_grant', code: 50020 });
  for (const tenant of ['fabrikam.example', DEMO.fabrikam, 'organizations', 'common']) {
    const response = await refreshAt(tenant);
    assert.equal(response.status, 200, `${tenant}: ${JSON.stringify(response.body)}`);
    assert.equal(claimsOf(response.body.access_token).tid, DEMO.fabrikam);
  }

  // A code likewise; refused at another partner's tenant, it can still be redeemed at its own.
  const result = await signIn(pcapi.fetch, { clientId: APP, redirectUri: REDIRECT, scope: PC_SCOPE, username: 'admin@fabrikam.example', password: DEMO.secret });
  const redeemAt = (tenant: string) => tokenRequest(pcapi.fetch, `/${tenant}/oauth2/v2.0/token`, {
    grant_type: 'authorization_code', client_id: APP, client_secret: DEMO.secret, code: result.params!.get('code')!, redirect_uri: REDIRECT, scope: PC_SCOPE, code_verifier: result.verifier!,
  });
  assertEntraError(await redeemAt('adatum.example'), { status: 400, error: 'invalid_grant', code: 50020 });
  assertEntraError(await redeemAt('nonexistent.example'), { status: 400, error: 'invalid_tenant', code: 90002 });
  assert.equal((await redeemAt('fabrikam.example')).status, 200);
});

test('PKCE cannot be downgraded: a code issued without a challenge is not redeemed with a verifier', async (t) => {
  const pcapi = await buildInjectApp(t);
  const result = await signIn(pcapi.fetch, { clientId: APP, redirectUri: REDIRECT, scope: PC_SCOPE, username: 'admin@fabrikam.example', password: DEMO.secret, pkce: false });
  const redeem = (extra: Record<string, string>) => tokenRequest(pcapi.fetch, TOKEN, {
    grant_type: 'authorization_code', client_id: APP, client_secret: DEMO.secret, code: result.params!.get('code')!, redirect_uri: REDIRECT, scope: PC_SCOPE, ...extra,
  });
  assertEntraError(await redeem({ code_verifier: 'a'.repeat(50) }), { status: 400, error: 'invalid_grant', code: 50148 });
  assert.equal((await redeem({})).status, 200, 'without a verifier, as it was issued');
});

test('discovery: /common and /organizations use the {tenantid} issuer; a tenant its GUID; v1 and instance discovery', async (t) => {
  const pcapi = await buildInjectApp(t);
  const json = async (path: string) => {
    const response = await pcapi.fetch(path);
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  for (const tenant of ['common', 'organizations']) {
    const { status, body } = await json(`/${tenant}/v2.0/.well-known/openid-configuration`);
    assert.equal(status, 200);
    assert.equal(body.issuer, `${TEST_PUBLIC_URL}/{tenantid}/v2.0`);
    assert.equal(body.authorization_endpoint, `${TEST_PUBLIC_URL}/${tenant}/oauth2/v2.0/authorize`);
    assert.equal(body.token_endpoint, `${TEST_PUBLIC_URL}/${tenant}/oauth2/v2.0/token`);
    assert.equal(body.device_authorization_endpoint, `${TEST_PUBLIC_URL}/${tenant}/oauth2/v2.0/devicecode`);
    assert.equal(body.jwks_uri, `${TEST_PUBLIC_URL}/${tenant}/discovery/v2.0/keys`);
    assert.ok((body.response_modes_supported as string[]).includes('form_post'));
  }

  for (const tenant of ['fabrikam.example', DEMO.fabrikam, DEMO.fabrikam.toUpperCase()]) {
    const { status, body } = await json(`/${tenant}/v2.0/.well-known/openid-configuration`);
    assert.equal(status, 200, tenant);
    assert.equal(body.issuer, `${TEST_PUBLIC_URL}/${DEMO.fabrikam}/v2.0`);
    for (const name of ['authorization_endpoint', 'token_endpoint', 'device_authorization_endpoint', 'jwks_uri']) {
      assert.ok(String(body[name]).startsWith(`${TEST_PUBLIC_URL}/${DEMO.fabrikam}/`), `${name}: ${String(body[name])}`);
    }
    assert.ok((body.grant_types_supported as string[]).includes('urn:ietf:params:oauth:grant-type:device_code'));
  }
  // The issuer a token carries is the one the tenant's document names.
  const tokens = await signInForTokens(pcapi.fetch);
  assert.equal(claimsOf(tokens.id_token).iss, `${TEST_PUBLIC_URL}/${DEMO.fabrikam}/v2.0`);

  const v1 = await json('/fabrikam.example/.well-known/openid-configuration');
  assert.equal(v1.status, 200);
  assert.equal(v1.body.token_endpoint, `${TEST_PUBLIC_URL}/${DEMO.fabrikam}/oauth2/token`);
  // The issuer of every token here, v1 endpoint's included: a validator driven by this document accepts them.
  const v1Tokens = await tokenRequest(pcapi.fetch, '/fabrikam.example/oauth2/token', {
    grant_type: 'refresh_token', client_id: APP, client_secret: DEMO.secret, refresh_token: String(tokens.refresh_token), resource: 'https://api.partnercenter.microsoft.com',
  });
  assert.equal(v1Tokens.status, 200, JSON.stringify(v1Tokens.body));
  assert.equal(v1.body.issuer, claimsOf(v1Tokens.body.id_token).iss);
  assert.equal(v1.body.issuer, claimsOf(v1Tokens.body.access_token).iss);
  assert.equal(v1.body.authorization_endpoint, `${TEST_PUBLIC_URL}/${DEMO.fabrikam}/oauth2/authorize`);
  assert.equal(v1.body.device_authorization_endpoint, `${TEST_PUBLIC_URL}/${DEMO.fabrikam}/oauth2/devicecode`);
  assert.equal(v1.body.jwks_uri, `${TEST_PUBLIC_URL}/${DEMO.fabrikam}/discovery/keys`);
  assert.equal(v1.body.microsoft_multi_refresh_token, true);
  const keys = await json(String(v1.body.jwks_uri).slice(TEST_PUBLIC_URL.length));
  assert.equal(keys.status, 200);
  assert.ok((keys.body.keys as unknown[]).length >= 1);

  const instance = await json(`/common/discovery/instance?api-version=1.1&authorization_endpoint=${encodeURIComponent(`${TEST_PUBLIC_URL}/fabrikam.example/oauth2/v2.0/authorize`)}`);
  assert.equal(instance.status, 200);
  assert.equal(instance.body['api-version'], '1.1');
  assert.equal(instance.body.tenant_discovery_endpoint, `${TEST_PUBLIC_URL}/fabrikam.example/v2.0/.well-known/openid-configuration`, 'the tenant the authority names');
  assert.equal((await json(instance.body.tenant_discovery_endpoint.slice(TEST_PUBLIC_URL.length))).status, 200, 'a document that answers');
  const bare = await json('/common/discovery/instance?api-version=1.0');
  assert.equal(bare.body['api-version'], '1.0');
  assert.equal(bare.body.tenant_discovery_endpoint, `${TEST_PUBLIC_URL}/{tenant}/v2.0/.well-known/openid-configuration`, 'no authority named: the template');
  assert.deepEqual(instance.body.metadata, [{ preferred_network: '127.0.0.1:8080', preferred_cache: '127.0.0.1:8080', aliases: ['127.0.0.1:8080'] }]);

  for (const path of ['/nowhere.example/v2.0/.well-known/openid-configuration', '/nowhere.example/.well-known/openid-configuration']) {
    assertEntraError(await json(path), { status: 400, error: 'invalid_tenant', code: 90002 });
  }
});

test('malformed token requests get Entra error bodies, never a 500', async (t) => {
  const pcapi = await buildInjectApp(t);
  const tokens = await signInForTokens(pcapi.fetch);
  const send = async (path: string, init: RequestInit) => {
    const response = await pcapi.fetch(path, { method: 'POST', ...init });
    const text = await response.text();
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      assert.fail(`${path}: not JSON (${response.status}): ${text.slice(0, 200)}`);
    }
    return { status: response.status, body };
  };
  const form = (fields: Record<string, string>) => ({ body: new URLSearchParams(fields) });

  for (const path of [TOKEN, '/fabrikam.example/oauth2/token']) {
    assertEntraError(await send(path, form({ grant_type: 'authorization_code', client_id: APP, client_secret: DEMO.secret, redirect_uri: REDIRECT })),
      { status: 400, error: 'invalid_request', code: 900144 });
    assertEntraError(await send(path, form({ grant_type: 'refresh_token', client_id: APP, client_secret: DEMO.secret })),
      { status: 400, error: 'invalid_request', code: 900144 });
    assertEntraError(await send(path, form({ grant_type: 'refresh_token', refresh_token: String(tokens.refresh_token) })),
      { status: 400, error: 'invalid_request', code: 900144 });
    assertEntraError(await send(path, form({ client_id: APP, refresh_token: String(tokens.refresh_token) })),
      { status: 400, error: 'invalid_request', code: 900144 });
    assertEntraError(await send(path, form({ grant_type: 'urn:example:nonsense', client_id: APP })),
      { status: 400, error: 'unsupported_grant_type', code: 70003 });
    assertEntraError(await send(path, form({ grant_type: 'device_code', client_id: APP })),
      { status: 400, error: 'invalid_request', code: 900144 });
    assertEntraError(await send(path, form({ grant_type: 'device_code', client_id: APP, device_code: 'made-up' })),
      { status: 400, error: 'bad_verification_code', code: 70018 });
    assertEntraError(await send(path, {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'refresh_token', client_id: APP, refresh_token: tokens.refresh_token }),
    }), { status: 400, error: 'invalid_request', code: 900144 });
    // A body the framework cannot read gets the server's catalog answer, as every framework refusal does (docs/parity.md).
    const unreadable = await send(path, { headers: { 'content-type': 'application/json' }, body: '{"grant_type":' });
    assert.deepEqual([unreadable.status, unreadable.body.code], [400, 400]);
    assertEntraError(await send(path, { headers: { 'content-type': 'text/plain' }, body: 'grant_type=refresh_token' }), { status: 400, error: 'invalid_request', code: 900144 });
    const unreadableType = await send(path, { headers: { 'content-type': 'text/xml' }, body: '<grant_type/>' });
    assert.deepEqual([unreadableType.status, unreadableType.body.code], [415, 415]);
    assertEntraError(await send(path, { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' }), { status: 400, error: 'invalid_request', code: 900144 });
    assertEntraError(await send(path, { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '%%%=%E0%A4%A' }), { status: 400, error: 'invalid_request', code: 900144 });
  }
  // A malformed Basic header is the client's failure: 401.
  assertEntraError(await send(TOKEN, { ...form({ grant_type: 'refresh_token', refresh_token: String(tokens.refresh_token) }), headers: { authorization: 'Basic !!!' } }),
    { status: 401, error: 'invalid_client', code: 7000215 });
  // The device code endpoint too.
  assertEntraError(await send('/fabrikam.example/oauth2/v2.0/devicecode', form({ scope: PC_SCOPE })), { status: 400, error: 'invalid_request', code: 900144 });
  const unreadableDeviceBody = await send('/fabrikam.example/oauth2/v2.0/devicecode', { headers: { 'content-type': 'application/json' }, body: '{"client_id":' });
  assert.deepEqual([unreadableDeviceBody.status, unreadableDeviceBody.body.code], [400, 400]);
  assertEntraError(await send('/fabrikam.example/oauth2/v2.0/devicecode', {
    headers: { 'content-type': 'application/json' }, body: JSON.stringify({ client_id: '04b07795-8ddb-461a-bbee-02f9e1bf7b46', scope: PC_SCOPE }),
  }), { status: 400, error: 'invalid_request', code: 900144 });
  assertEntraError(await send('/nowhere.example/oauth2/v2.0/devicecode', form({ client_id: APP, scope: PC_SCOPE })), { status: 400, error: 'invalid_tenant', code: 90002 });

  // The sign-in pages' posts with values no form can send (JSON arrays, objects) are refused with a page, not a 500.
  for (const [path, body] of [['/devicelogin', { otc: ['ABC'] }], ['/fabrikam.example/login', { step: 'password', flow: { a: 1 }, login: ['x'], passwd: 1 }]] as const) {
    const response = await pcapi.fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    assert.equal(response.status, 400, path);
    assert.match(response.headers.get('content-type')!, /^text\/html/);
    assert.match(await response.text(), /AADSTS\d+/);
  }
});
