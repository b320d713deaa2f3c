/**
 * The local Entra-style issuer over real HTTP: OIDC discovery, JWKS, the token endpoint's grants and
 * its OAuth error shapes, and tokens from it used against the API.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify, type JWTPayload } from 'jose';
import { CONTOSO_BODY, DEMO, startTestServer, type TestServer } from '../helpers/test-server.js';

const PC = 'https://api.partnercenter.microsoft.com';

let pcapi: TestServer;
let close: () => Promise<void>;

before(async () => {
  const started = await startTestServer(undefined);
  pcapi = started;
  close = started.close;
});
after(() => close());

function tokenUrl(tenant: string): string {
  return `${pcapi.url}/${tenant}/oauth2/v2.0/token`;
}

async function postToken(tenant: string, form: Record<string, string>, headers: Record<string, string> = {}) {
  const response = await fetch(tokenUrl(tenant), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form).toString(),
  });
  return { response, body: (await response.json()) as Record<string, unknown> };
}

const appForm = (extra: Record<string, string> = {}) => ({
  grant_type: 'client_credentials', client_id: DEMO.fabrikamAutomation, client_secret: DEMO.secret, scope: `${PC}/.default`, ...extra,
});
const userForm = (username: string, extra: Record<string, string> = {}) => ({
  grant_type: 'password', client_id: DEMO.fabrikamAutomation, username, password: DEMO.secret, scope: `${PC}/user_impersonation`, ...extra,
});

/** Entra's OAuth error shape: error, error_description starting AADSTSnnnn, error_codes holding nnnn. */
function assertOAuthError(status: number, response: Response, body: Record<string, unknown>, error: string, code?: number) {
  assert.equal(response.status, status, JSON.stringify(body));
  assert.equal(body.error, error);
  assert.equal(typeof body.error_description, 'string');
  const match = /^AADSTS(\d+): /.exec(body.error_description as string);
  assert.ok(match, `error_description does not start with AADSTSnnnn: ${String(body.error_description)}`);
  assert.ok(Array.isArray(body.error_codes));
  assert.deepEqual(body.error_codes, [Number(match[1])]);
  if (code !== undefined) assert.deepEqual(body.error_codes, [code]);
  assert.equal(response.headers.get('cache-control'), 'no-store');
}

async function discovery(tenant: string) {
  const response = await fetch(`${pcapi.url}/${tenant}/v2.0/.well-known/openid-configuration`);
  return { response, body: (await response.json()) as Record<string, unknown> };
}

/** Verifies an access token against the server's published discovery document and JWKS. */
async function verifyAccessToken(token: string): Promise<JWTPayload> {
  const { body } = await discovery(DEMO.fabrikam);
  const header = decodeProtectedHeader(token);
  assert.equal(header.alg, 'RS256');
  assert.equal(typeof header.kid, 'string');
  const { payload } = await jwtVerify(token, createRemoteJWKSet(new URL(body.jwks_uri as string)), {
    algorithms: ['RS256'], issuer: body.issuer as string, audience: PC, requiredClaims: ['exp', 'nbf', 'iat'],
  });
  return payload;
}

test('OIDC discovery by tenant GUID and by domain points at the server itself', async () => {
  const byGuid = await discovery(DEMO.fabrikam);
  const byDomain = await discovery('fabrikam.example');
  assert.equal(byGuid.response.status, 200);
  assert.equal(byDomain.response.status, 200);
  for (const body of [byGuid.body, byDomain.body]) {
    assert.equal(body.issuer, `${pcapi.url}/${DEMO.fabrikam}/v2.0`);
    assert.equal(body.token_endpoint, `${pcapi.url}/${DEMO.fabrikam}/oauth2/v2.0/token`);
    assert.equal(body.authorization_endpoint, `${pcapi.url}/${DEMO.fabrikam}/oauth2/v2.0/authorize`);
    assert.equal(body.jwks_uri, `${pcapi.url}/${DEMO.fabrikam}/discovery/v2.0/keys`);
    for (const field of ['issuer', 'token_endpoint', 'jwks_uri', 'authorization_endpoint']) {
      assert.equal(new URL(body[field] as string).origin, new URL(pcapi.url).origin, field);
    }
  }
  const unknown = await discovery('nowhere.example');
  assertOAuthError(400, unknown.response, unknown.body, 'invalid_tenant', 90002);
});

test('the JWKS publishes one RSA signing key with a kid and no private parts', async () => {
  const response = await fetch(`${pcapi.url}/${DEMO.fabrikam}/discovery/v2.0/keys`);
  assert.equal(response.status, 200);
  const { keys } = (await response.json()) as { keys: Record<string, unknown>[] };
  assert.ok(Array.isArray(keys) && keys.length >= 1);
  for (const key of keys) {
    assert.equal(key.kty, 'RSA');
    assert.equal(typeof key.kid, 'string');
    assert.ok((key.kid as string).length > 0);
    assert.equal(typeof key.n, 'string');
    assert.equal(key.e, 'AQAB');
    for (const secret of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k']) assert.ok(!(secret in key), `JWKS exposes ${secret}`);
  }
});

test('client_credentials (form post) issues an app-only Partner Center token', async () => {
  const { response, body } = await postToken(DEMO.fabrikam, appForm());
  assert.equal(response.status, 200, JSON.stringify(body));
  assert.equal(response.headers.get('cache-control'), 'no-store');
  assert.equal(body.token_type, 'Bearer');
  assert.equal(typeof body.expires_in, 'number');
  assert.ok((body.expires_in as number) >= 3600 && (body.expires_in as number) <= 5400);
  assert.equal(body.ext_expires_in, body.expires_in);
  assert.equal(typeof body.access_token, 'string');

  const claims = await verifyAccessToken(body.access_token as string);
  assert.equal(claims.aud, PC);
  assert.equal(claims.tid, DEMO.fabrikam);
  assert.equal(claims.appid, DEMO.fabrikamAutomation);
  assert.equal(claims.idtyp, 'app');
  assert.match(String(claims.oid), /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  assert.ok(!('scp' in claims), 'an app-only token must not carry scp');
  assert.equal((claims.exp as number) - (claims.iat as number), body.expires_in);

  const api = await pcapi.getOrganization(DEMO.contoso, { token: body.access_token as string });
  assert.equal(api.status, 200);
  assert.equal(await api.text(), CONTOSO_BODY);
});

test('client_credentials with HTTP Basic client authentication, against the tenant domain', async () => {
  const basic = Buffer.from(`${DEMO.fabrikamAutomation}:${DEMO.secret}`).toString('base64');
  const { response, body } = await postToken('fabrikam.example', { grant_type: 'client_credentials', scope: `${PC}/.default` }, { authorization: `Basic ${basic}` });
  assert.equal(response.status, 200, JSON.stringify(body));
  const claims = await verifyAccessToken(body.access_token as string);
  assert.equal(claims.tid, DEMO.fabrikam);
  assert.equal(claims.appid, DEMO.fabrikamAutomation);

  const wrong = Buffer.from(`${DEMO.fabrikamAutomation}:not-the-secret`).toString('base64');
  const refused = await postToken(DEMO.fabrikam, { grant_type: 'client_credentials', scope: `${PC}/.default` }, { authorization: `Basic ${wrong}` });
  assertOAuthError(401, refused.response, refused.body, 'invalid_client');
});

test('a malformed percent-escape in HTTP Basic credentials is an OAuth error, not a 500', async () => {
  const basic = Buffer.from(`${DEMO.fabrikamAutomation}:%zz`).toString('base64');
  const { response, body } = await postToken(DEMO.fabrikam, { grant_type: 'client_credentials', scope: `${PC}/.default` }, { authorization: `Basic ${basic}` });
  assert.ok(response.status === 400 || response.status === 401, `status ${response.status}: ${JSON.stringify(body)}`);
  assert.ok(body.error === 'invalid_client' || body.error === 'invalid_request', JSON.stringify(body));
});

test('password grant gives an app+user token with user_impersonation, upn and mfa', async () => {
  const { response, body } = await postToken(DEMO.fabrikam, userForm('admin@fabrikam.example'));
  assert.equal(response.status, 200, JSON.stringify(body));
  assert.equal(body.token_type, 'Bearer');
  const claims = await verifyAccessToken(body.access_token as string);
  assert.equal(claims.scp, 'user_impersonation');
  assert.equal(claims.upn, 'admin@fabrikam.example');
  assert.equal(claims.tid, DEMO.fabrikam);
  assert.equal(claims.appid, DEMO.fabrikamAutomation);
  assert.notEqual(claims.idtyp, 'app');
  assert.ok(Array.isArray(claims.amr) && claims.amr.includes('mfa'), JSON.stringify(claims.amr));

  const api = await pcapi.getOrganization(DEMO.contoso, { token: body.access_token as string });
  assert.equal(api.status, 200);
  assert.equal(await api.text(), CONTOSO_BODY);
});

test('password grant with offline_access returns a refresh token, redeemed for Partner Center like any other; Graph still needs consent', async () => {
  assert.equal((await postToken(DEMO.fabrikam, userForm('admin@fabrikam.example'))).body.refresh_token, undefined, 'v2 without offline_access: none');
  const { response, body } = await postToken(DEMO.fabrikam, userForm('admin@fabrikam.example', { scope: `${PC}/user_impersonation openid profile offline_access`, client_secret: DEMO.secret }));
  assert.equal(response.status, 200, JSON.stringify(body));
  assert.equal(typeof body.refresh_token, 'string');

  const refresh = (extra: Record<string, string>) => postToken(DEMO.fabrikam, {
    grant_type: 'refresh_token', client_id: DEMO.fabrikamAutomation, client_secret: DEMO.secret, refresh_token: body.refresh_token as string, ...extra,
  });
  const renewed = await refresh({ scope: `${PC}/.default offline_access` });
  assert.equal(renewed.response.status, 200, JSON.stringify(renewed.body));
  const claims = await verifyAccessToken(renewed.body.access_token as string);
  assert.deepEqual([claims.scp, claims.upn, claims.amr], ['user_impersonation', 'admin@fabrikam.example', ['pwd', 'mfa']]);
  assert.notEqual(renewed.body.refresh_token, body.refresh_token, 'a new refresh token on every use');
  assert.equal((await pcapi.getOrganization(DEMO.contoso, { token: renewed.body.access_token as string })).status, 200);

  const graph = await refresh({ scope: 'https://graph.microsoft.com/User.Read' });
  assertOAuthError(400, graph.response, graph.body, 'invalid_grant', 65001);

  const v1 = await fetch(`${pcapi.url}/${DEMO.fabrikam}/oauth2/token`, { method: 'POST', body: new URLSearchParams({
    grant_type: 'password', client_id: DEMO.fabrikamAutomation, client_secret: DEMO.secret, username: 'admin@fabrikam.example', password: DEMO.secret, resource: PC,
  }) });
  assert.equal(typeof ((await v1.json()) as { refresh_token?: unknown }).refresh_token, 'string', 'v1: always');
});

test('a user without MFA gets a token without mfa in amr, which the API refuses with 900421', async () => {
  const { response, body } = await postToken('fabrikam.example', userForm('nomfa@fabrikam.example'));
  assert.equal(response.status, 200, JSON.stringify(body));
  const claims = await verifyAccessToken(body.access_token as string);
  assert.ok(Array.isArray(claims.amr));
  assert.ok(!claims.amr.includes('mfa'), JSON.stringify(claims.amr));

  const api = await pcapi.getOrganization(DEMO.contoso, { token: body.access_token as string });
  assert.equal(api.status, 401);
  const error = (await api.json()) as { code: number };
  assert.equal(error.code, 900421);
  assert.match(api.headers.get('www-authenticate') ?? '', /^Bearer .*error="invalid_token"/);
});

test('credential errors: wrong client secret is 401 invalid_client, wrong password 400 invalid_grant', async () => {
  const badSecret = await postToken(DEMO.fabrikam, appForm({ client_secret: 'wrong' }));
  assertOAuthError(401, badSecret.response, badSecret.body, 'invalid_client', 7000215);
  assert.ok(!('access_token' in badSecret.body));

  const badPassword = await postToken(DEMO.fabrikam, userForm('admin@fabrikam.example', { password: 'wrong' }));
  assertOAuthError(400, badPassword.response, badPassword.body, 'invalid_grant', 50126);

  const unknownUser = await postToken(DEMO.fabrikam, userForm('ghost@fabrikam.example'));
  assertOAuthError(400, unknownUser.response, unknownUser.body, 'invalid_grant', 50126);
});

test('request errors: unknown tenant, missing or unsupported grant_type', async () => {
  const unknownGuid = await postToken('00000000-1111-2222-3333-444444444444', appForm());
  assertOAuthError(400, unknownGuid.response, unknownGuid.body, 'invalid_tenant', 90002);
  const unknownDomain = await postToken('nowhere.example', appForm());
  assertOAuthError(400, unknownDomain.response, unknownDomain.body, 'invalid_tenant', 90002);

  const { grant_type: _omitted, ...noGrant } = appForm();
  const missing = await postToken(DEMO.fabrikam, noGrant);
  assertOAuthError(400, missing.response, missing.body, 'invalid_request', 900144);
  assert.match(missing.body.error_description as string, /grant_type/);

  const unsupported = await postToken(DEMO.fabrikam, appForm({ grant_type: 'urn:example:nonsense' }));
  assertOAuthError(400, unsupported.response, unsupported.body, 'unsupported_grant_type', 70003);
  const unknownCode = await postToken(DEMO.fabrikam, appForm({ grant_type: 'authorization_code', code: 'x', redirect_uri: 'https://localhost/callback' }));
  assertOAuthError(400, unknownCode.response, unknownCode.body, 'invalid_grant', 70008);
});

test('scope errors: another resource is invalid_resource, user_impersonation for an app is invalid_scope', async () => {
  // Microsoft Graph is served (its app-only tokens carry the app's roles: test/graph); Azure Resource Manager is not.
  const arm = await postToken(DEMO.fabrikam, appForm({ scope: 'https://management.azure.com/.default' }));
  assertOAuthError(400, arm.response, arm.body, 'invalid_resource', 500011);

  const delegated = await postToken(DEMO.fabrikam, appForm({ scope: `${PC}/user_impersonation` }));
  assertOAuthError(400, delegated.response, delegated.body, 'invalid_scope', 1002012);

  const graphUser = await postToken(DEMO.fabrikam, userForm('admin@fabrikam.example', { scope: 'https://graph.microsoft.com/User.Read' }));
  assertOAuthError(400, graphUser.response, graphUser.body, 'invalid_resource');
});

test('a JSON body instead of a form is 400 invalid_request', async () => {
  const response = await fetch(tokenUrl(DEMO.fabrikam), {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(appForm()),
  });
  const body = (await response.json()) as Record<string, unknown>;
  assertOAuthError(400, response, body, 'invalid_request');
  assert.ok(!('access_token' in body));
});

test('the Partner Center app id as resource is accepted and becomes the audience', async () => {
  const { response, body } = await postToken(DEMO.fabrikam, appForm({ scope: 'fa3d9a0c-3fb0-42cc-9193-47c7ecd2edbd/.default' }));
  assert.equal(response.status, 200, JSON.stringify(body));
  const api = await pcapi.getOrganization(DEMO.contoso, { token: body.access_token as string });
  assert.equal(api.status, 200);
});
