/**
 * The success path of GET /v1/customers/{customer-tenant-id}/organization against a real listening
 * server: the source document's example byte for byte, wire key order, HEAD, and URL variants.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { buildInjectApp, DEMO, type InjectApp } from '../helpers/inject-app.js';
import { CONTOSO_BODY } from '../helpers/test-server.js';

type Pcapi = InjectApp;

const WIRE_ORDER = ['street', 'countryLetterCode', 'postalCode', 'city', 'state', 'displayName', 'technicalNotificationMails'];
const LITWARE_BODY =
  '[{"street":"1 Litware Plaza","countryLetterCode":"CA","postalCode":"M5V 2T6","city":"Toronto","state":"ON","displayName":"Litware Inc.","technicalNotificationMails":["it@litware.example"]}]';
/** The request example's ids, from the source document. */
const DOC_CORRELATION_ID = 'a176c585-b5de-4d65-824c-67a6deb45cd9';
const DOC_REQUEST_ID = '74ca1db9-df92-41c6-a362-a16433b0542b';
const DEMO_SEED = new URL('../../seeds/demo.seed.json', import.meta.url);

let pcapi: Pcapi;
before(async () => {
  pcapi = await buildInjectApp(undefined);
});
after(async () => {
  assert.ok(pcapi.close, 'a server started without a test context must expose close()');
  await pcapi.close();
});

/** Asserts a 200 whose body is exactly `expected`, with the documented content type and the true length. */
async function assertExactBody(response: Response, expected: string): Promise<void> {
  const text = await response.text();
  assert.equal(response.status, 200, text);
  assert.equal(response.headers.get('content-type'), 'application/json; charset=utf-8');
  assert.equal(text, expected);
  assert.equal(response.headers.get('content-length'), String(Buffer.byteLength(expected, 'utf8')));
  assert.notEqual(response.headers.get('content-length'), '1530', "the document's Content-Length is a known error");
}

/** The source document's request example, with its headers. */
function documentRequest(token: string, url = `${pcapi.url}/v1/customers/${DEMO.contoso}/organization`, method = 'GET') {
  return pcapi.fetch(url, {
    method,
    headers: { authorization: `Bearer ${token}`, accept: 'application/json', 'ms-correlationid': DOC_CORRELATION_ID, 'ms-requestid': DOC_REQUEST_ID },
  });
}

for (const upn of ['admin@fabrikam.example', 'sales@fabrikam.example']) {
  test(`app+user caller ${upn} gets the source document's example exactly`, async () => {
    const response = await documentRequest(await pcapi.tokenFor(upn));
    assert.equal(response.headers.get('ms-correlationid'), DOC_CORRELATION_ID);
    assert.equal(response.headers.get('ms-requestid'), DOC_REQUEST_ID);
    await assertExactBody(response, CONTOSO_BODY);
  });
}

test("app-only caller Fabrikam Automation gets the source document's example exactly", async () => {
  const response = await documentRequest(await pcapi.tokenFor(DEMO.fabrikamAutomation));
  assert.equal(response.headers.get('ms-correlationid'), DOC_CORRELATION_ID);
  assert.equal(response.headers.get('ms-requestid'), DOC_REQUEST_ID);
  await assertExactBody(response, CONTOSO_BODY);
});

test('the body is a bare array of organizations whose keys come in the wire order', async () => {
  const response = await pcapi.getOrganization(DEMO.contoso, { token: await pcapi.tokenFor('admin@fabrikam.example') });
  const text = await response.text();
  assert.equal(response.status, 200);
  const parsed: unknown = JSON.parse(text);
  assert.ok(Array.isArray(parsed), 'the body is a JSON array, not a Customer object');
  assert.equal(parsed.length, 1);
  const organization = parsed[0] as Record<string, unknown>;
  assert.deepEqual(Object.keys(organization), WIRE_ORDER);
  // Key order in the raw text too, not only after parsing.
  const positions = WIRE_ORDER.map((key) => text.indexOf(`"${key}":`));
  assert.ok(positions.every((position) => position > 0));
  assert.deepEqual([...positions].sort((a, b) => a - b), positions);
  assert.deepEqual(organization.technicalNotificationMails, ['test@contoso.com']);
});

test('HEAD answers 200 with the same headers and Content-Length as GET, and no body', async () => {
  const token = await pcapi.tokenFor('admin@fabrikam.example');
  const get = await pcapi.getOrganization(DEMO.contoso, { token });
  const getText = await get.text();
  const head = await pcapi.getOrganization(DEMO.contoso, { token, method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(head.headers.get('content-type'), 'application/json; charset=utf-8');
  assert.equal(head.headers.get('content-length'), String(Buffer.byteLength(CONTOSO_BODY)));
  assert.equal(head.headers.get('content-length'), get.headers.get('content-length'));
  assert.equal(getText, CONTOSO_BODY);
  for (const name of ['ms-requestid', 'ms-correlationid', 'ms-cv', 'ms-serverid', 'date']) {
    assert.ok(head.headers.get(name), `HEAD carries ${name}`);
  }
  assert.equal((await head.arrayBuffer()).byteLength, 0);
});

test('HEAD is authorized and validated like GET: no token 401, a denied caller 403, a malformed id 400, all without a body', async () => {
  const missing = await pcapi.getOrganization(DEMO.contoso, { method: 'HEAD' });
  assert.equal(missing.status, 401);
  assert.equal((await missing.arrayBuffer()).byteLength, 0);
  const denied = await pcapi.getOrganization(DEMO.woodgrove, { method: 'HEAD', token: await pcapi.tokenFor('admin@fabrikam.example') });
  assert.equal(denied.status, 403);
  assert.equal((await denied.arrayBuffer()).byteLength, 0);
  const malformed = await pcapi.getOrganization('not-a-guid', { method: 'HEAD', token: await pcapi.tokenFor('admin@fabrikam.example') });
  assert.equal(malformed.status, 400);
  assert.equal((await malformed.arrayBuffer()).byteLength, 0);
});

test('HEAD is throttled like GET: 429 with Retry-After and no body', async (t) => {
  const throttled = await buildInjectApp(t, { throttleTenantCustomer: '1/60' });
  const token = await throttled.tokenFor('admin@fabrikam.example');
  assert.equal((await throttled.getOrganization(DEMO.contoso, { token })).status, 200);
  const head = await throttled.getOrganization(DEMO.contoso, { token, method: 'HEAD' });
  assert.equal(head.status, 429);
  assert.match(head.headers.get('retry-after') ?? '', /^\d+$/);
  assert.equal((await head.arrayBuffer()).byteLength, 0);
});

test('an uppercase customer GUID in the path gets the same organization', async () => {
  const response = await pcapi.getOrganization(DEMO.contoso.toUpperCase(), { token: await pcapi.tokenFor('admin@fabrikam.example') });
  await assertExactBody(response, CONTOSO_BODY);
});

test('a trailing slash after /organization gets the same organization', async () => {
  const token = await pcapi.tokenFor('admin@fabrikam.example');
  await assertExactBody(await documentRequest(token, `${pcapi.url}/v1/customers/${DEMO.contoso}/organization/`), CONTOSO_BODY);
});

test('/V1/Customers/<id>/Organization matches case-insensitively', async () => {
  const token = await pcapi.tokenFor(DEMO.fabrikamAutomation);
  await assertExactBody(await documentRequest(token, `${pcapi.url}/V1/Customers/${DEMO.contoso}/Organization`), CONTOSO_BODY);
  await assertExactBody(await documentRequest(token, `${pcapi.url}/V1/CUSTOMERS/${DEMO.contoso.toUpperCase()}/ORGANIZATION/`), CONTOSO_BODY);
});

test('MS-Contract-Version, X-Locale and Accept variants are optional and change nothing', async () => {
  const token = await pcapi.tokenFor('admin@fabrikam.example');
  const variants: Record<string, string>[] = [{ 'ms-contract-version': 'v1', 'x-locale': 'en-US' }, { accept: '*/*' }, { 'ms-partnercenter-application': 'pcapi tests' }];
  for (const headers of variants) {
    await assertExactBody(await pcapi.getOrganization(DEMO.contoso, { token, headers }), CONTOSO_BODY);
  }
});

test("Adatum's admin (app+user) gets Litware", async () => {
  const response = await pcapi.getOrganization(DEMO.litware, { token: await pcapi.tokenFor('admin@adatum.example') });
  await assertExactBody(response, LITWARE_BODY);
});

test("Adatum's app (app-only) gets Litware", async () => {
  const response = await pcapi.getOrganization(DEMO.litware, { token: await pcapi.tokenFor(DEMO.adatumAutomation) });
  await assertExactBody(response, LITWARE_BODY);
});

test('missing address values are JSON null and a missing mail list is [], keys still in wire order', async (t) => {
  const sparseId = '5a125e00-0000-4000-8000-00000000c0de';
  const seed = JSON.parse(readFileSync(DEMO_SEED, 'utf8')) as { partners: { customers: unknown[] }[] };
  seed.partners[0]!.customers.push({
    tenantId: sparseId,
    displayName: 'Sparse Co',
    organization: { displayName: 'Sparse Co' },
    gdapRelationships: [
      {
        displayName: 'Sparse readers', status: 'active', roles: ['Global Reader'], createdDateTime: '5 days ago', activatedDateTime: '4 days ago',
        accessAssignments: [{ securityGroup: 'GDAP Readers', roles: ['Global Reader'] }],
      },
    ],
  });
  const dir = mkdtempSync(join(tmpdir(), 'pcapi-endpoint-seed-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const seedFile = join(dir, 'sparse.seed.json');
  writeFileSync(seedFile, JSON.stringify(seed));

  const sparse = await buildInjectApp(t, { seed: seedFile });
  const response = await sparse.getOrganization(sparseId, { token: await sparse.tokenFor('admin@fabrikam.example') });
  await assertExactBody(
    response,
    '[{"street":null,"countryLetterCode":null,"postalCode":null,"city":null,"state":null,"displayName":"Sparse Co","technicalNotificationMails":[]}]',
  );
});
