/**
 * The device code flow (v2 and v1) through /devicecode, /devicelogin and the sign-in pages, polled
 * the way msal-node and MSAL Python poll; and the v1 endpoints the Secure Application Model scripts
 * use: /oauth2/authorize with `resource`, /oauth2/token with string numbers and the resource echoed,
 * one refresh token for several resources, client credentials and password grants.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildInjectApp, DEMO, TEST_PUBLIC_URL } from '../helpers/inject-app.js';
import { claimsOf, inputValue, signIn, tokenRequest, type Fetch } from './sign-in-helpers.js';

const AZURE_CLI = '04b07795-8ddb-461a-bbee-02f9e1bf7b46';
const APP = DEMO.fabrikamAutomation;
const REDIRECT = 'https://localhost/callback';
const PC = 'https://api.partnercenter.microsoft.com';
const GRAPH = 'https://graph.microsoft.com';
const DEVICE_SCOPE = `${PC}/user_impersonation offline_access openid profile`;
const V2_TOKEN = '/fabrikam.example/oauth2/v2.0/token';
const V1_TOKEN = '/fabrikam.example/oauth2/token';
const URN_DEVICE_CODE = 'urn:ietf:params:oauth:grant-type:device_code';

const errorCode = (body: Record<string, unknown>) => (body.error_codes as number[])[0];

function assertOAuthError(response: { status: number; body: Record<string, unknown> }, status: number, error: string, code?: number) {
  assert.equal(response.status, status, JSON.stringify(response.body));
  assert.equal(response.body.error, error);
  if (code !== undefined) assert.equal(errorCode(response.body), code);
  assert.match(String(response.body.error_description), /^AADSTS\d+: /);
  for (const field of ['timestamp', 'trace_id', 'correlation_id', 'error_uri']) assert.equal(typeof response.body[field], 'string', field);
}

const requestDeviceCode = (fetch: Fetch, fields: Record<string, string>, path = '/fabrikam.example/oauth2/v2.0/devicecode') =>
  tokenRequest(fetch, path, fields);

/** msal-node's poll: the short grant name, the scope again, client_info. */
const pollLikeMsalNode = (fetch: Fetch, deviceCode: unknown, clientId = AZURE_CLI) =>
  tokenRequest(fetch, V2_TOKEN, { grant_type: 'device_code', client_id: clientId, device_code: String(deviceCode), scope: DEVICE_SCOPE, client_info: '1' });
/** MSAL Python's poll: the URN, the code as both device_code and code, no scope. */
const pollLikeMsalPython = (fetch: Fetch, deviceCode: unknown, clientId = AZURE_CLI, path = V2_TOKEN) =>
  tokenRequest(fetch, path, { grant_type: URN_DEVICE_CODE, client_id: clientId, device_code: String(deviceCode), code: String(deviceCode), client_info: '1' });

/**
 * The user's side on /devicelogin: types the code, then answers the password, MFA and consent pages
 * (posting each form to its action, as a browser does). Returns the pages shown and the last page.
 */
async function approveOnDeviceLogin(
  fetch: Fetch,
  userCode: string,
  user: { username: string; password?: string; mfa?: 'approve' | 'deny'; consent?: 'accept' | 'cancel' },
) {
  const entry = await fetch('/devicelogin');
  assert.equal(entry.status, 200);
  const entryHtml = await entry.text();
  assert.match(entryHtml, /<form method="post" action="\/devicelogin">/);
  assert.match(entryHtml, /name="otc"/);
  let response = await fetch('/devicelogin', { method: 'POST', body: new URLSearchParams({ otc: userCode }), redirect: 'manual' });
  let html = await response.text();
  const pages: string[] = [];
  for (let step = 0; step < 4; step++) {
    const kind = inputValue(html, 'step');
    if (!kind || response.status !== 200) break;
    pages.push(kind);
    const flow = inputValue(html, 'flow')!;
    const action = /<form method="post" action="([^"]+)"/.exec(html)![1]!.replace(/&amp;/g, '&');
    const fields: Record<string, string> =
      kind === 'password' ? { flow, step: kind, login: user.username, passwd: user.password ?? DEMO.secret }
      : kind === 'mfa' ? { flow, step: kind, action: user.mfa ?? 'approve' }
      : { flow, step: kind, action: user.consent ?? 'accept' };
    response = await fetch(action, { method: 'POST', body: new URLSearchParams(fields), redirect: 'manual' });
    html = await response.text();
  }
  return { pages, status: response.status, html };
}

test('device code: pending until the user signs in on /devicelogin, then tokens with MFA; the code is single-use', async (t) => {
  const pcapi = await buildInjectApp(t);
  const started = await requestDeviceCode(pcapi.fetch, { client_id: AZURE_CLI, scope: DEVICE_SCOPE, client_info: '1' });
  assert.equal(started.status, 200, JSON.stringify(started.body));
  const { user_code: userCode, device_code: deviceCode } = started.body as Record<string, string>;
  assert.match(userCode!, /^[A-Z2-9]{9}$/);
  assert.equal(typeof deviceCode, 'string');
  assert.equal(started.body.expires_in, 900);
  assert.equal(started.body.interval, 5);
  assert.ok(Number.isInteger(started.body.expires_in) && Number.isInteger(started.body.interval));
  assert.equal(started.body.verification_uri, `${TEST_PUBLIC_URL}/devicelogin`);
  assert.ok(String(started.body.verification_uri).endsWith('/devicelogin'));
  assert.equal(started.body.verification_url, undefined, 'v2 says verification_uri');
  assert.match(String(started.body.message), new RegExp(`open the page ${TEST_PUBLIC_URL}/devicelogin and enter the code ${userCode} `));

  const pending = await pollLikeMsalNode(pcapi.fetch, deviceCode);
  assertOAuthError(pending, 400, 'authorization_pending', 70016);
  assert.equal(pending.body.suberror, undefined);

  // Typed in lower case with spaces, as people do.
  const typed = `${userCode!.slice(0, 3)} ${userCode!.slice(3, 6)} ${userCode!.slice(6)}`.toLowerCase();
  const approval = await approveOnDeviceLogin(pcapi.fetch, typed, { username: 'admin@fabrikam.example' });
  assert.deepEqual(approval.pages, ['password', 'mfa'], 'a first-party app needs no consent');
  assert.equal(approval.status, 200);
  assert.match(approval.html, /You have signed in/);
  assert.match(approval.html, /Microsoft Azure CLI/);

  const tokens = await pollLikeMsalPython(pcapi.fetch, deviceCode);
  assert.equal(tokens.status, 200, JSON.stringify(tokens.body));
  assert.equal(tokens.body.token_type, 'Bearer');
  assert.equal(tokens.body.scope, `${PC}/user_impersonation offline_access openid profile`);
  assert.equal(typeof tokens.body.expires_in, 'number');
  assert.equal(typeof tokens.body.refresh_token, 'string');
  assert.equal(JSON.parse(Buffer.from(String(tokens.body.client_info), 'base64url').toString()).utid, DEMO.fabrikam);
  const access = claimsOf(tokens.body.access_token);
  assert.equal(access.aud, PC);
  assert.deepEqual(access.amr, ['pwd', 'mfa']);
  assert.equal(access.appid, AZURE_CLI);
  assert.equal(access.appidacr, '0', 'a public client');
  assert.equal(access.scp, 'user_impersonation');
  const id = claimsOf(tokens.body.id_token);
  assert.equal(id.aud, AZURE_CLI);
  assert.equal(id.preferred_username, 'admin@fabrikam.example');
  assert.equal(id.nonce, undefined);
  assert.equal((await pcapi.getOrganization(DEMO.contoso, { token: tokens.body.access_token as string })).status, 200);

  assertOAuthError(await pollLikeMsalNode(pcapi.fetch, deviceCode), 400, 'invalid_grant', 54005);
  assertOAuthError(await pollLikeMsalPython(pcapi.fetch, deviceCode), 400, 'invalid_grant', 54005);

  // Its refresh token works for the first-party client, without a secret, MFA kept.
  const refreshed = await tokenRequest(pcapi.fetch, V2_TOKEN, { grant_type: 'refresh_token', client_id: AZURE_CLI, refresh_token: String(tokens.body.refresh_token), scope: DEVICE_SCOPE });
  assert.equal(refreshed.status, 200, JSON.stringify(refreshed.body));
  assert.deepEqual(claimsOf(refreshed.body.access_token).amr, ['pwd', 'mfa']);
  // A first-party public client must not send a secret.
  const withSecret = await tokenRequest(pcapi.fetch, V2_TOKEN, {
    grant_type: 'refresh_token', client_id: AZURE_CLI, client_secret: 'x', refresh_token: String(tokens.body.refresh_token), scope: DEVICE_SCOPE,
  });
  assertOAuthError(withSecret, 401, 'invalid_client', 700025);
});

test("device code at /organizations with a partner's app (DeviceCodeCredential without a tenant): its partner's user signs in", async (t) => {
  const pcapi = await buildInjectApp(t);
  const app = DEMO.fabrikamAutomation;
  const started = await requestDeviceCode(pcapi.fetch, { client_id: app, scope: DEVICE_SCOPE }, '/organizations/oauth2/v2.0/devicecode');
  assert.equal(started.status, 200, JSON.stringify(started.body));
  const approval = await approveOnDeviceLogin(pcapi.fetch, String(started.body.user_code), { username: 'admin@fabrikam.example' });
  assert.match(approval.html, /You have signed in/);
  const tokens = await pollLikeMsalPython(pcapi.fetch, started.body.device_code, app, '/organizations/oauth2/v2.0/token');
  assert.equal(tokens.status, 200, JSON.stringify(tokens.body));
  assert.deepEqual([claimsOf(tokens.body.access_token).appid, claimsOf(tokens.body.access_token).tid], [app, DEMO.fabrikam]);

  assertOAuthError(await requestDeviceCode(pcapi.fetch, { client_id: '00000000-0000-4000-8000-000000000000', scope: DEVICE_SCOPE }, '/organizations/oauth2/v2.0/devicecode'), 400, 'unauthorized_client', 700016);
  // A confidential app (no public client flows) is refused at /organizations as in its own tenant.
  assertOAuthError(await requestDeviceCode(pcapi.fetch, { client_id: DEMO.fabrikamReporting, scope: DEVICE_SCOPE }, '/organizations/oauth2/v2.0/devicecode'), 401, 'invalid_client', 7000218);
});

test('device code: expiry after 15 minutes, MFA denied, a wrong user code, another client, a confidential app', async (t) => {
  const pcapi = await buildInjectApp(t);
  const start = async (clientId = AZURE_CLI) => {
    const { status, body } = await requestDeviceCode(pcapi.fetch, { client_id: clientId, scope: DEVICE_SCOPE });
    assert.equal(status, 200, JSON.stringify(body));
    return body as { user_code: string; device_code: string };
  };

  const late = await start();
  pcapi.clock.advance(16 * 60_000);
  assertOAuthError(await pollLikeMsalPython(pcapi.fetch, late.device_code), 400, 'expired_token', 70019);
  const tooLate = await pcapi.fetch('/devicelogin', { method: 'POST', body: new URLSearchParams({ otc: late.user_code }) });
  assert.equal(tooLate.status, 400);
  assert.match(await tooLate.text(), /AADSTS70018/);

  const denied = await start();
  const denial = await approveOnDeviceLogin(pcapi.fetch, denied.user_code, { username: 'admin@fabrikam.example', mfa: 'deny' });
  assert.deepEqual(denial.pages, ['password', 'mfa']);
  assert.equal(denial.status, 400);
  assert.match(denial.html, /AADSTS500121/);
  assertOAuthError(await pollLikeMsalNode(pcapi.fetch, denied.device_code), 400, 'authorization_declined');
  // The declined code cannot be entered again.
  const reused = await pcapi.fetch('/devicelogin', { method: 'POST', body: new URLSearchParams({ otc: denied.user_code }) });
  assert.equal(reused.status, 400);

  for (const wrong of ['ABCDEFGHJ', '', '<script>', 'x'.repeat(40)]) {
    const response = await pcapi.fetch('/devicelogin', { method: 'POST', body: new URLSearchParams({ otc: wrong }) });
    assert.equal(response.status, 400, wrong);
    const html = await response.text();
    assert.match(html, /class="error"/);
    assert.match(html, /AADSTS70018/);
    assert.match(html, /name="otc"/, 'the code page again');
  }

  // Polled by another client: refused, and the code stays the first client's.
  const mine = await start();
  assertOAuthError(await pollLikeMsalNode(pcapi.fetch, mine.device_code, APP), 400, 'invalid_grant', 700007);
  assertOAuthError(await pollLikeMsalNode(pcapi.fetch, 'not-a-device-code'), 400, 'bad_verification_code');

  // Fabrikam Reporting is confidential: no device codes. Fabrikam Automation allows public client flows: the user consents.
  assertOAuthError(await requestDeviceCode(pcapi.fetch, { client_id: DEMO.fabrikamReporting, scope: DEVICE_SCOPE }), 401, 'invalid_client', 7000218);
  assertOAuthError(await requestDeviceCode(pcapi.fetch, { client_id: '11111111-2222-3333-4444-555555555555', scope: DEVICE_SCOPE }), 400, 'unauthorized_client', 700016);
  assertOAuthError(await requestDeviceCode(pcapi.fetch, { client_id: AZURE_CLI, scope: 'https://nowhere.example/x' }), 400, 'invalid_resource', 500011);
  const automation = await start(APP);
  const consented = await approveOnDeviceLogin(pcapi.fetch, automation.user_code, { username: 'nomfa@fabrikam.example' });
  assert.deepEqual(consented.pages, ['password', 'consent']);
  assert.match(consented.html, /You have signed in/);
  const tokens = await pollLikeMsalPython(pcapi.fetch, automation.device_code, APP);
  assert.equal(tokens.status, 200, JSON.stringify(tokens.body));
  assert.deepEqual(claimsOf(tokens.body.access_token).amr, ['pwd']);
  assert.equal(claimsOf(tokens.body.access_token).appid, APP);
});

test('a first-party client too needs a tenant that exists: /consumers and unknown tenants are 90002 at /devicecode and /authorize', async (t) => {
  const pcapi = await buildInjectApp(t);
  for (const tenant of ['consumers', 'nonexistent.example', '11111111-2222-3333-4444-555555555555']) {
    const { status, body } = await requestDeviceCode(pcapi.fetch, { client_id: AZURE_CLI, scope: DEVICE_SCOPE }, `/${tenant}/oauth2/v2.0/devicecode`);
    assert.equal(status, 400, tenant);
    assert.deepEqual(body.error_codes, [90002], tenant);
    const page = await pcapi.fetch(`/${tenant}/oauth2/v2.0/authorize?client_id=${AZURE_CLI}&response_type=code&redirect_uri=http%3A%2F%2Flocalhost%3A1`, { redirect: 'manual' });
    assert.equal(page.status, 400, tenant);
    assert.equal(page.headers.get('location'), null);
    assert.match(await page.text(), /AADSTS90002/);
  }
  // At /organizations and at a partner's tenant, as before.
  for (const tenant of ['organizations', 'fabrikam.example']) {
    assert.equal((await requestDeviceCode(pcapi.fetch, { client_id: AZURE_CLI, scope: DEVICE_SCOPE }, `/${tenant}/oauth2/v2.0/devicecode`)).status, 200, tenant);
  }
});

test('v1: /oauth2/authorize with resource, the code redeemed at /oauth2/token: string numbers, resource echoed', async (t) => {
  const pcapi = await buildInjectApp(t);
  const result = await signIn(pcapi.fetch, { clientId: APP, redirectUri: REDIRECT, resource: PC, state: 'v1', username: 'admin@fabrikam.example', password: DEMO.secret });
  assert.deepEqual(result.pages, ['password', 'mfa', 'consent']);
  assert.equal(result.params!.get('state'), 'v1');
  assert.match(result.params!.get('session_state')!, /^[0-9a-f-]{36}$/);

  const before = Math.floor(pcapi.clock.now() / 1000);
  const { status, body } = await tokenRequest(pcapi.fetch, V1_TOKEN, {
    grant_type: 'authorization_code', client_id: APP, client_secret: DEMO.secret, code: result.params!.get('code')!, redirect_uri: REDIRECT, resource: PC,
    code_verifier: result.verifier!,
  });
  assert.equal(status, 200, JSON.stringify(body));
  assert.equal(body.token_type, 'Bearer');
  assert.equal(body.resource, PC);
  assert.equal(body.scope, 'user_impersonation');
  for (const field of ['expires_in', 'ext_expires_in', 'expires_on', 'not_before']) assert.match(String(body[field]), /^\d+$/, field);
  assert.equal(typeof body.expires_in, 'string');
  assert.equal(body.not_before, String(before));
  assert.equal(body.expires_on, String(before + Number(body.expires_in)));
  assert.equal(typeof body.refresh_token, 'string');
  assert.equal(claimsOf(body.id_token).aud, APP);
  const access = claimsOf(body.access_token);
  assert.equal(access.aud, PC);
  assert.deepEqual(access.amr, ['pwd', 'mfa']);
  assert.equal(Number(body.expires_on), access.exp);
  assert.equal((await pcapi.getOrganization(DEMO.contoso, { token: body.access_token as string })).status, 200);

  // The refresh token at v1 for Partner Center again: a new one, resource echoed.
  const again = await tokenRequest(pcapi.fetch, V1_TOKEN, { grant_type: 'refresh_token', client_id: APP, client_secret: DEMO.secret, refresh_token: String(body.refresh_token), resource: PC });
  assert.equal(again.status, 200, JSON.stringify(again.body));
  assert.equal(again.body.resource, PC);
  assert.equal(typeof again.body.expires_in, 'string');
  assert.notEqual(again.body.refresh_token, body.refresh_token);
  assert.deepEqual(claimsOf(again.body.access_token).amr, ['pwd', 'mfa']);
  // The first consent includes Graph's User.Read, as at Entra; Azure AD Graph was never consented.
  const graph = await tokenRequest(pcapi.fetch, V1_TOKEN, { grant_type: 'refresh_token', client_id: APP, client_secret: DEMO.secret, refresh_token: String(body.refresh_token), resource: GRAPH });
  assert.equal(graph.status, 200, JSON.stringify(graph.body));
  assert.equal(graph.body.resource, GRAPH);
  assert.equal(graph.body.scope, 'User.Read');
  const aadGraph = await tokenRequest(pcapi.fetch, V1_TOKEN, {
    grant_type: 'refresh_token', client_id: APP, client_secret: DEMO.secret, refresh_token: String(body.refresh_token), resource: 'https://graph.windows.net',
  });
  assertOAuthError(aadGraph, 400, 'invalid_grant', 65001);
  assert.equal(aadGraph.body.suberror, 'consent_required');
  // An unknown resource.
  const nowhere = await tokenRequest(pcapi.fetch, V1_TOKEN, { grant_type: 'refresh_token', client_id: APP, client_secret: DEMO.secret, refresh_token: String(body.refresh_token), resource: 'https://nowhere.example' });
  assertOAuthError(nowhere, 400, 'invalid_resource', 500011);
});

test('v1 SAM: a consent sign-in without resource, then one refresh token for Partner Center and Graph', async (t) => {
  const pcapi = await buildInjectApp(t);
  // The consent app signs in at v1 /oauth2/authorize asking only for openid profile (no resource).
  const v1Fetch: Fetch = (input, init) => pcapi.fetch(String(input).replace('/oauth2/v2.0/authorize?', '/oauth2/authorize?'), init);
  const result = await signIn(v1Fetch, { clientId: APP, redirectUri: REDIRECT, scope: 'openid profile', username: 'admin@fabrikam.example', password: DEMO.secret });
  assert.deepEqual(result.pages, ['password', 'mfa', 'consent']);
  const user = await pcapi.store.findUserByName(DEMO.fabrikam, 'admin@fabrikam.example');
  const consents = await pcapi.store.consents(DEMO.fabrikam, APP, user!.objectId);
  assert.deepEqual(consents.flatMap((c) => c.scopes).sort(), [`${PC}/user_impersonation`, `${GRAPH}/User.Read`]);

  const redeemed = await tokenRequest(pcapi.fetch, V1_TOKEN, {
    grant_type: 'authorization_code', client_id: APP, client_secret: DEMO.secret, code: result.params!.get('code')!, redirect_uri: REDIRECT, resource: PC,
    code_verifier: result.verifier!,
  });
  assert.equal(redeemed.status, 200, JSON.stringify(redeemed.body));
  assert.equal(redeemed.body.resource, PC);
  const refreshToken = String(redeemed.body.refresh_token);

  // As the SAM samples do: the stored refresh token for Graph, then for Partner Center.
  const graph = await tokenRequest(pcapi.fetch, V1_TOKEN, { grant_type: 'refresh_token', client_id: APP, client_secret: DEMO.secret, refresh_token: refreshToken, resource: GRAPH });
  assert.equal(graph.status, 200, JSON.stringify(graph.body));
  assert.equal(graph.body.resource, GRAPH);
  assert.equal(graph.body.scope, 'User.Read');
  assert.equal(typeof graph.body.expires_on, 'string');
  assert.equal(claimsOf(graph.body.access_token).aud, GRAPH);
  assert.deepEqual(claimsOf(graph.body.access_token).amr, ['pwd', 'mfa']);
  const partnerCenter = await tokenRequest(pcapi.fetch, V1_TOKEN, { grant_type: 'refresh_token', client_id: APP, client_secret: DEMO.secret, refresh_token: String(graph.body.refresh_token), resource: PC });
  assert.equal(partnerCenter.status, 200, JSON.stringify(partnerCenter.body));
  assert.equal(claimsOf(partnerCenter.body.access_token).aud, PC);
  // The same refresh token serves the v2 endpoint (PowerShell's Connect-PartnerCenter -RefreshToken).
  const v2 = await tokenRequest(pcapi.fetch, V2_TOKEN, { grant_type: 'refresh_token', client_id: APP, client_secret: DEMO.secret, refresh_token: refreshToken, scope: `${PC}/user_impersonation` });
  assert.equal(v2.status, 200, JSON.stringify(v2.body));
  assert.equal(typeof v2.body.expires_in, 'number');
  assert.equal(v2.body.resource, undefined);
});

test('v1: client credentials and password grants with resource; a v1 device code', async (t) => {
  const pcapi = await buildInjectApp(t);
  const app = await tokenRequest(pcapi.fetch, V1_TOKEN, { grant_type: 'client_credentials', client_id: DEMO.fabrikamReporting, client_secret: DEMO.secret, resource: PC });
  assert.equal(app.status, 200, JSON.stringify(app.body));
  assert.equal(app.body.token_type, 'Bearer');
  assert.equal(app.body.resource, PC);
  for (const field of ['expires_in', 'ext_expires_in', 'expires_on', 'not_before']) assert.match(String(app.body[field]), /^\d+$/, field);
  assert.equal(app.body.refresh_token, undefined);
  assert.equal(app.body.id_token, undefined);
  const appClaims = claimsOf(app.body.access_token);
  assert.equal(appClaims.aud, PC);
  assert.equal(appClaims.appid, DEMO.fabrikamReporting);
  assert.equal(appClaims.scp, undefined);
  assertOAuthError(await tokenRequest(pcapi.fetch, V1_TOKEN, { grant_type: 'client_credentials', client_id: DEMO.fabrikamReporting, client_secret: DEMO.secret }), 400, 'invalid_request', 900144);
  assertOAuthError(await tokenRequest(pcapi.fetch, V1_TOKEN, { grant_type: 'client_credentials', client_id: DEMO.fabrikamReporting, client_secret: 'wrong', resource: PC }), 401, 'invalid_client', 7000215);

  const user = await tokenRequest(pcapi.fetch, V1_TOKEN, { grant_type: 'password', client_id: APP, username: 'admin@fabrikam.example', password: DEMO.secret, resource: PC });
  assert.equal(user.status, 200, JSON.stringify(user.body));
  assert.equal(user.body.resource, PC);
  assert.match(String(user.body.expires_in), /^\d+$/);
  assert.equal(typeof user.body.expires_in, 'string');
  assert.equal(claimsOf(user.body.access_token).upn, 'admin@fabrikam.example');
  assert.equal(claimsOf(user.body.id_token).aud, APP);
  assertOAuthError(
    await tokenRequest(pcapi.fetch, V1_TOKEN, { grant_type: 'password', client_id: APP, username: 'admin@fabrikam.example', password: 'wrong', resource: PC }),
    400, 'invalid_grant', 50126,
  );

  // v1 device code: verification_url and numbers as strings; polled at the v1 token endpoint.
  const started = await requestDeviceCode(pcapi.fetch, { client_id: AZURE_CLI, resource: PC }, '/fabrikam.example/oauth2/devicecode');
  assert.equal(started.status, 200, JSON.stringify(started.body));
  assert.equal(started.body.verification_url, `${TEST_PUBLIC_URL}/devicelogin`);
  assert.equal(started.body.verification_uri, undefined);
  assert.equal(started.body.expires_in, '900');
  assert.equal(started.body.interval, '5');
  assert.match(String(started.body.message), new RegExp(String(started.body.user_code)));
  assertOAuthError(await requestDeviceCode(pcapi.fetch, { client_id: AZURE_CLI }, '/fabrikam.example/oauth2/devicecode'), 400, 'invalid_request', 900144);

  const pendingV1 = await pollLikeMsalPython(pcapi.fetch, started.body.device_code, AZURE_CLI, V1_TOKEN);
  assertOAuthError(pendingV1, 400, 'authorization_pending', 70016);
  const approval = await approveOnDeviceLogin(pcapi.fetch, String(started.body.user_code), { username: 'admin@fabrikam.example' });
  assert.match(approval.html, /You have signed in/);
  const tokens = await pollLikeMsalPython(pcapi.fetch, started.body.device_code, AZURE_CLI, V1_TOKEN);
  assert.equal(tokens.status, 200, JSON.stringify(tokens.body));
  assert.equal(tokens.body.resource, PC);
  assert.equal(typeof tokens.body.expires_in, 'string');
  assert.equal(typeof tokens.body.refresh_token, 'string');
  assert.equal(typeof tokens.body.id_token, 'string');
  assert.deepEqual(claimsOf(tokens.body.access_token).amr, ['pwd', 'mfa']);
});
