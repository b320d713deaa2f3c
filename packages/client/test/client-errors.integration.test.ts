/**
 * Failures against a real pcapi: the client-side id check, 401/403/404 as PartnerCenterError with
 * code, description, data and ids (and never retried), the gateway body, insecure-connection refusal,
 * and token endpoint errors.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import {
  AuthenticationError,
  ClientSecretCredential,
  isAuthenticationError,
  isPartnerCenterError,
  PartnerCenterClient,
  PartnerCenterError,
  StaticTokenCredential,
  type TokenCredential,
} from '../src/index.js';
import { CONTOSO, DEMO, LITWARE, startFaultProxy, startTestServer, TAILSPIN } from './helpers/pcapi.js';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Runs `call`, expects a PartnerCenterError, returns it. */
async function partnerCenterError(call: Promise<unknown>): Promise<PartnerCenterError> {
  const error = await call.then(
    () => assert.fail('expected the call to fail'),
    (e: unknown) => e,
  );
  assert.ok(isPartnerCenterError(error), `expected a PartnerCenterError, got ${String(error)}`);
  assert.ok(error instanceof PartnerCenterError);
  return error;
}

/** A client behind a recording proxy, so tests can count what reached the wire. */
async function clientBehindProxy(t: TestContext, principal: string | { token: string }) {
  const pcapi = await startTestServer(t);
  const proxy = await startFaultProxy(t, pcapi.url);
  const token = typeof principal === 'string' ? await pcapi.tokenFor(principal) : principal.token;
  const client = new PartnerCenterClient(proxy.url, new StaticTokenCredential(token), { allowInsecureConnection: true });
  return { pcapi, proxy, client };
}

test('a customer id that is not a GUID is refused before any request or token', async () => {
  let asked = 0;
  const credential: TokenCredential = { getToken: async () => (asked++, { token: 't', expiresOnTimestamp: Date.now() + 3600_000 }) };
  // Nothing listens on this URL: a request would fail differently.
  const client = new PartnerCenterClient('https://pcapi.invalid', credential);
  for (const bad of ['contoso', '13bba13f49f849aa8a221fe70d695fcb', `${CONTOSO}x`, '', '../../admin']) {
    await assert.rejects(client.getCustomerOrganization(bad), (error: Error) => {
      assert.equal(error.name, 'TypeError');
      assert.match(error.message, /customerTenantId must be the customer's Microsoft Entra tenant id, a GUID/);
      return true;
    });
  }
  await assert.rejects(client.getCustomerOrganization(CONTOSO, { requestId: 'not-a-guid' }), /requestId must be a GUID/);
  assert.equal(asked, 0);
});

test('401: an invalid token gives a PartnerCenterError with code, description, data and ids, not retried', async (t) => {
  const { proxy, client } = await clientBehindProxy(t, { token: 'this-is-not-a-jwt.garbage.garbage' });
  const error = await partnerCenterError(client.getCustomerOrganization(CONTOSO));
  assert.equal(error.statusCode, 401);
  assert.equal(error.code, 400);
  assert.match(error.description, /Access denied/);
  assert.ok(error.data.length > 0, 'pcapi explains the denial in data');
  assert.equal(error.source, 'PartnerFD');
  assert.match(error.requestId ?? '', GUID);
  assert.match(error.correlationId ?? '', GUID);
  assert.equal(error.retryAfterInMs, undefined);
  const attempts = proxy.apiAttempts();
  assert.equal(attempts.length, 1, '4xx is never retried');
  assert.equal(error.requestId, attempts[0]?.headers['ms-requestid'], "the error carries the call's request id");
  assert.equal(error.correlationId, attempts[0]?.headers['ms-correlationid']);
  assert.match(error.message, /^Partner Center answered 401 \(code 400\): Access denied.*\[MS-RequestId [0-9a-f-]{36}, MS-CorrelationId [0-9a-f-]{36}\]$/);
});

test('401: an app+user token without MFA gives code 900421', async (t) => {
  const { proxy, client } = await clientBehindProxy(t, 'nomfa@fabrikam.example');
  const error = await partnerCenterError(client.getCustomerOrganization(CONTOSO));
  assert.equal(error.statusCode, 401);
  assert.equal(error.code, 900421);
  assert.equal(proxy.apiAttempts().length, 1);
});

test('403: an expired GDAP relationship gives code 900308 with the denial reasons in data, not retried', async (t) => {
  const { proxy, client } = await clientBehindProxy(t, 'admin@fabrikam.example');
  const requestId = crypto.randomUUID();
  const correlationId = crypto.randomUUID();
  const error = await partnerCenterError(client.getCustomerOrganization(TAILSPIN, { requestId, correlationId }));
  assert.equal(error.statusCode, 403);
  assert.equal(error.code, 900308);
  assert.match(error.description, /^Insufficient privileges/);
  assert.ok(error.data.some((reason) => typeof reason === 'string' && /^failed: .*expired/.test(reason)), JSON.stringify(error.data));
  assert.ok(error.data.some((reason) => typeof reason === 'string' && reason.startsWith('passed: ')));
  assert.equal(error.requestId, requestId);
  assert.equal(error.correlationId, correlationId);
  assert.equal(proxy.apiAttempts().length, 1);
});

test('403: a caller that is not an agent gives code 900150', async (t) => {
  const { client } = await clientBehindProxy(t, 'guest@fabrikam.example');
  const error = await partnerCenterError(client.getCustomerOrganization(CONTOSO));
  assert.equal(error.statusCode, 403);
  assert.equal(error.code, 900150);
});

test("404: another partner's customer gives code 60003, not retried", async (t) => {
  const { proxy, client } = await clientBehindProxy(t, DEMO.fabrikamAutomation);
  const error = await partnerCenterError(client.getCustomerOrganization(LITWARE));
  assert.equal(error.statusCode, 404);
  assert.equal(error.code, 60003);
  assert.match(error.description, /^Tenant not found/);
  assert.equal(error.source, 'PartnerFD');
  assert.match(error.requestId ?? '', GUID);
  assert.equal(proxy.apiAttempts().length, 1);
});

test("404 from the gateway (an endpoint with a wrong path prefix) is read from the gateway's body", async (t) => {
  const pcapi = await startTestServer(t);
  const client = new PartnerCenterClient(`${pcapi.url}/not-partner-center`, new StaticTokenCredential(await pcapi.tokenFor(DEMO.fabrikamAutomation)), {
    allowInsecureConnection: true,
  });
  const error = await partnerCenterError(client.getCustomerOrganization(CONTOSO));
  assert.equal(error.statusCode, 404);
  assert.equal(error.code, 404);
  assert.equal(error.description, 'Resource not found');
  assert.equal(error.source, undefined);
  assert.deepEqual(error.data, []);
});

test('a bearer token is refused over http:// without allowInsecureConnection, before the credential is asked or anything is sent', async (t) => {
  const pcapi = await startTestServer(t);
  const proxy = await startFaultProxy(t, pcapi.url);
  let asked = 0;
  const credential: TokenCredential = { getToken: async () => (asked++, { token: 't', expiresOnTimestamp: Date.now() + 3600_000 }) };
  const client = new PartnerCenterClient(proxy.url, credential);
  await assert.rejects(client.getCustomerOrganization(CONTOSO), /Refusing to send a bearer token over http: to http:\/\/127\.0\.0\.1:\d+: use https, or set allowInsecureConnection: true/);
  assert.equal(asked, 0);
  assert.equal(proxy.attempts.length, 0);
});

test('ClientSecretCredential refuses an http:// authority without allowInsecureConnection', () => {
  assert.throws(
    () => new ClientSecretCredential('fabrikam.example', DEMO.fabrikamAutomation, DEMO.secret, { authorityHost: 'http://127.0.0.1:8080' }),
    /refuses to send credentials to http:\/\/127\.0\.0\.1:8080 over http:/,
  );
  assert.throws(() => new ClientSecretCredential('', DEMO.fabrikamAutomation, DEMO.secret), /tenantId/);
  assert.throws(() => new ClientSecretCredential('fabrikam.example', DEMO.fabrikamAutomation, ''), /clientSecret/);
});

test("a wrong client secret gives an AuthenticationError carrying Entra's OAuth error", async (t) => {
  const pcapi = await startTestServer(t);
  const credential = new ClientSecretCredential('fabrikam.example', DEMO.fabrikamAutomation, 'wrong-secret', { authorityHost: pcapi.url, allowInsecureConnection: true });
  const client = new PartnerCenterClient(pcapi.url, credential, { allowInsecureConnection: true });
  const error = await client.getCustomerOrganization(CONTOSO).catch((e: unknown) => e);
  assert.ok(isAuthenticationError(error) && error instanceof AuthenticationError, String(error));
  assert.equal(error.statusCode, 401);
  assert.equal(error.errorResponse?.error, 'invalid_client');
  assert.deepEqual(error.errorResponse?.errorCodes, [7000215]);
  assert.match(error.message, /could not get a token for client 5cb9b94d-825a-47d7-830b-7226f428175e from http:\/\/127\.0\.0\.1:\d+\/fabrikam\.example\/oauth2\/v2\.0\/token \(HTTP 401\)\. invalid_client: AADSTS7000215: /);
  assert.ok(!error.message.includes('wrong-secret'), 'the secret is never in a message');
});

test('an unknown tenant gives an AuthenticationError with invalid_tenant', async (t) => {
  const pcapi = await startTestServer(t);
  const credential = new ClientSecretCredential('nowhere.example', DEMO.fabrikamAutomation, DEMO.secret, { authorityHost: pcapi.url, allowInsecureConnection: true });
  await assert.rejects(credential.getToken('https://api.partnercenter.microsoft.com/.default'), (error: unknown) => {
    assert.ok(isAuthenticationError(error));
    assert.equal(error.statusCode, 400);
    assert.equal(error.errorResponse?.error, 'invalid_tenant');
    return true;
  });
});

test('a credential that returns null fails the call with a clear error', async (t) => {
  const pcapi = await startTestServer(t);
  const client = new PartnerCenterClient(pcapi.url, { getToken: async () => null }, { allowInsecureConnection: true });
  await assert.rejects(client.getCustomerOrganization(CONTOSO), /The credential returned no access token for https:\/\/api\.partnercenter\.microsoft\.com\/\.default/);
});
