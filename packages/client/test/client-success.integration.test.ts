/**
 * The success path against a real pcapi: both credentials, the headers every call sends, token
 * caching, and cloud names.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ClientSecretCredential as AzureIdentityClientSecretCredential } from '@azure/identity';
import { ClientSecretCredential, PartnerCenterClient, StaticTokenCredential, type CustomerOrganization, type TokenCredential } from '../src/index.js';
import { CONTOSO, DEMO, startFaultProxy, startTestServer } from './helpers/pcapi.js';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const CONTOSO_ORGANIZATION: CustomerOrganization = {
  street: '1 Microsoft Way',
  countryLetterCode: 'US',
  postalCode: '98052-8300',
  city: 'Redmond',
  state: 'WA',
  displayName: 'Contoso',
  technicalNotificationMails: ['test@contoso.com'],
};

function demoSecretCredential(authorityHost: string): ClientSecretCredential {
  return new ClientSecretCredential('fabrikam.example', DEMO.fabrikamAutomation, DEMO.secret, { authorityHost, allowInsecureConnection: true });
}

test('StaticTokenCredential with an app+user token reads Contoso', async (t) => {
  const pcapi = await startTestServer(t);
  const client = new PartnerCenterClient(pcapi.url, new StaticTokenCredential(await pcapi.tokenFor('admin@fabrikam.example')), { allowInsecureConnection: true });
  assert.deepEqual(await client.getCustomerOrganization(CONTOSO), [CONTOSO_ORGANIZATION]);
});

test("ClientSecretCredential gets an app-only token from pcapi's issuer and reads Contoso", async (t) => {
  const pcapi = await startTestServer(t);
  const client = new PartnerCenterClient(pcapi.url, demoSecretCredential(pcapi.url), { allowInsecureConnection: true });
  const organizations = await client.getCustomerOrganization(CONTOSO);
  assert.deepEqual(organizations, [CONTOSO_ORGANIZATION]);
  assert.deepEqual(Object.keys(organizations[0]!), Object.keys(CONTOSO_ORGANIZATION), 'wire key order is kept');
});

test('an upper-case customer id is a GUID too', async (t) => {
  const pcapi = await startTestServer(t);
  const client = new PartnerCenterClient(pcapi.url, demoSecretCredential(pcapi.url), { allowInsecureConnection: true });
  assert.deepEqual(await client.getCustomerOrganization(CONTOSO.toUpperCase()), [CONTOSO_ORGANIZATION]);
});

test('every call sends Accept, X-Locale, MS-PartnerCenter-Application, a new MS-RequestId and MS-CorrelationId, and the bearer token', async (t) => {
  const pcapi = await startTestServer(t);
  const proxy = await startFaultProxy(t, pcapi.url);
  const token = await pcapi.tokenFor(DEMO.fabrikamAutomation);
  const client = new PartnerCenterClient(proxy.url, new StaticTokenCredential(token), { allowInsecureConnection: true });
  await client.getCustomerOrganization(CONTOSO);
  await client.getCustomerOrganization(CONTOSO);
  const [first, second] = proxy.apiAttempts().map((a) => a.headers);
  assert.ok(first && second);
  assert.equal(first.accept, 'application/json');
  assert.equal(first['x-locale'], 'en-US');
  assert.equal(first['ms-partnercenter-application'], '@pcapi/client');
  assert.equal(first.authorization, `Bearer ${token}`);
  assert.match(String(first['ms-requestid']), GUID);
  assert.match(String(first['ms-correlationid']), GUID);
  assert.notEqual(first['ms-requestid'], second['ms-requestid'], 'a new request id per call');
  assert.notEqual(first['ms-correlationid'], second['ms-correlationid'], 'a new correlation id per call unless given');
});

test('client-wide and per-call locale and application name, and caller-chosen ids, are sent', async (t) => {
  const pcapi = await startTestServer(t);
  const proxy = await startFaultProxy(t, pcapi.url);
  const client = new PartnerCenterClient(proxy.url, new StaticTokenCredential(await pcapi.tokenFor(DEMO.fabrikamAutomation)), {
    allowInsecureConnection: true,
    locale: 'fr-FR',
    applicationName: 'Fabrikam Billing',
  });
  await client.getCustomerOrganization(CONTOSO);
  const requestId = crypto.randomUUID();
  const correlationId = crypto.randomUUID();
  await client.getCustomerOrganization(CONTOSO, { requestId, correlationId, locale: 'de-DE', applicationName: 'Nightly sync' });
  const [first, second] = proxy.apiAttempts().map((a) => a.headers);
  assert.equal(first?.['x-locale'], 'fr-FR');
  assert.equal(first?.['ms-partnercenter-application'], 'Fabrikam Billing');
  assert.equal(second?.['x-locale'], 'de-DE');
  assert.equal(second?.['ms-partnercenter-application'], 'Nightly sync');
  assert.equal(second?.['ms-requestid'], requestId);
  assert.equal(second?.['ms-correlationid'], correlationId);
});

test('ClientSecretCredential: one token request serves concurrent and later calls', async (t) => {
  const pcapi = await startTestServer(t);
  const proxy = await startFaultProxy(t, pcapi.url);
  const client = new PartnerCenterClient(proxy.url, demoSecretCredential(proxy.url), { allowInsecureConnection: true });
  await Promise.all([1, 2, 3, 4, 5].map(() => client.getCustomerOrganization(CONTOSO)));
  await client.getCustomerOrganization(CONTOSO);
  const tokenRequests = proxy.attempts.filter((a) => a.url.endsWith('/oauth2/v2.0/token'));
  assert.equal(tokenRequests.length, 1);
  assert.equal(tokenRequests[0]?.url, '/fabrikam.example/oauth2/v2.0/token');
  assert.equal(tokenRequests[0]?.headers['content-type'], 'application/x-www-form-urlencoded');
  assert.equal(proxy.apiAttempts().length, 6);
});

test('ClientSecretCredential posts client_credentials with the Partner Center .default scope', async (t) => {
  const pcapi = await startTestServer(t);
  const proxy = await startFaultProxy(t, pcapi.url);
  const token = await demoSecretCredential(proxy.url).getToken('https://api.partnercenter.microsoft.com/.default');
  assert.ok(token.token.split('.').length === 3, 'a JWT');
  const lifetime = token.expiresOnTimestamp - Date.now();
  assert.ok(lifetime > 3500_000 && lifetime <= 3600_000, `expires in about an hour (${lifetime} ms)`);
});

test('a custom TokenCredential is asked for the Partner Center scope, and its token is cached until near expiry', async (t) => {
  const pcapi = await startTestServer(t);
  const token = await pcapi.tokenFor(DEMO.fabrikamAutomation);
  const asked: unknown[] = [];
  const credential: TokenCredential = {
    async getToken(scopes) {
      asked.push(scopes);
      return { token, expiresOnTimestamp: Date.now() + 3600_000 };
    },
  };
  const client = new PartnerCenterClient(pcapi.url, credential, { allowInsecureConnection: true });
  await client.getCustomerOrganization(CONTOSO);
  await client.getCustomerOrganization(CONTOSO);
  assert.deepEqual(asked, ['https://api.partnercenter.microsoft.com/.default']);
});

test('an @azure/identity credential is a TokenCredential as it is (type check)', () => {
  // Compiles only if @azure/identity's credentials fit this package's TokenCredential unchanged;
  // examples/azure-identity.ts runs one against pcapi over https.
  const credential: TokenCredential = new AzureIdentityClientSecretCredential('fabrikam.example', DEMO.fabrikamAutomation, DEMO.secret);
  assert.equal(typeof credential.getToken, 'function');
});

test('cloud names resolve to the published base URLs; other URLs are kept, trailing slash dropped', () => {
  const credential = new StaticTokenCredential('token');
  assert.equal(new PartnerCenterClient('global', credential).endpoint, 'https://api.partnercenter.microsoft.com');
  assert.equal(new PartnerCenterClient('china', credential).endpoint, 'https://partner.partnercenterapi.microsoftonline.cn');
  assert.equal(new PartnerCenterClient('http://127.0.0.1:8080/', credential).endpoint, 'http://127.0.0.1:8080');
  assert.equal(new PartnerCenterClient('https://gateway.example/partner-center/', credential).endpoint, 'https://gateway.example/partner-center');
  assert.throws(() => new PartnerCenterClient('europe', credential), /cloud name \(global, china\) or an http\(s\) URL/);
  assert.throws(() => new PartnerCenterClient('ftp://example.com', credential), /http\(s\) URL/);
  assert.throws(() => new PartnerCenterClient('global', {} as TokenCredential), /getToken/);
});
