/**
 * One test per row of the error catalog (src/surfaces/partner-center/errors/catalog.ts), each titled `<catalogName>: <situation>`,
 * produced the real way against a listening server.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test, type TestContext } from 'node:test';
import { ERROR_CATALOG, type ErrorName } from '../../src/surfaces/partner-center/errors/catalog.js';
import { createTestDatabase, databaseUrl, PostgresProxy } from '../helpers/postgres.js';
import { closedPort } from '../helpers/ports.js';
import { assertCatalogAnswer, exchange } from '../helpers/raw-http.js';
import { DEMO, startTestServer } from '../helpers/test-server.js';

type Pcapi = Awaited<ReturnType<typeof startTestServer>>;
interface PartnerCenterBody { code: number; description: string; data: unknown[]; source: string }

const REALM = 'Bearer realm="https://api.partnercenter.microsoft.com"';
const INVALID_TOKEN_CHALLENGE = /^Bearer realm="https:\/\/api\.partnercenter\.microsoft\.com", error="invalid_token"(, error_description="[\x20\x21\x23-\x5b\x5d-\x7e]*")?$/;
const ACCEPTED_ROLES = ['Global Administrator', 'Directory Writers', 'Global Reader'];
const UNKNOWN_CUSTOMER = '0badc0de-0000-4000-8000-000000000000';
const GIVEN_REQUEST_ID = '74ca1db9-df92-41c6-a362-a16433b0542b';

let pcapi: Pcapi;
before(async () => {
  pcapi = await startTestServer(undefined);
});
after(async () => {
  assert.ok(pcapi.close);
  await pcapi.close();
});

const covered: ErrorName[] = [];
/** Registers the one test of a catalog row. */
function row(name: ErrorName, situation: string, body: (t: TestContext) => Promise<void>): void {
  covered.push(name);
  test(`${name}: ${situation}`, body);
}

/** Asserts a Partner Center error body for the catalog row `name`, and returns it. */
async function expectError(response: Response, name: ErrorName, status: number, code: number): Promise<PartnerCenterBody> {
  const text = await response.text();
  assert.equal(response.status, status, text);
  assert.equal(response.headers.get('content-type'), 'application/json; charset=utf-8');
  assert.equal(response.headers.get('content-length'), String(Buffer.byteLength(text)));
  assert.match(text, new RegExp(`^\\{"code":${code},`), 'code is a JSON number');
  const body = JSON.parse(text) as PartnerCenterBody;
  assert.deepEqual(Object.keys(body), ['code', 'description', 'data', 'source']);
  assert.equal(body.code, code);
  assert.equal(body.description, ERROR_CATALOG[name].description);
  assert.ok(body.description.length > 0 && body.description.length <= 1024);
  assert.ok(Array.isArray(body.data));
  assert.equal(body.source, 'PartnerFD');
  if (status !== 401) assert.equal(response.headers.get('www-authenticate'), null, 'only 401s carry a challenge');
  return body;
}

/** The body's data as one string, for searching. */
const dataText = (body: PartnerCenterBody) => body.data.map(String).join('\n');

async function writeSeed(t: TestContext, edit: (seed: { partners: { customers: unknown[] }[] }) => void): Promise<string> {
  const seed = JSON.parse(readFileSync(new URL('../../seeds/demo.seed.json', import.meta.url), 'utf8')) as { partners: { customers: unknown[] }[] };
  edit(seed);
  const dir = mkdtempSync(join(tmpdir(), 'pcapi-errors-seed-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'seed.json');
  writeFileSync(file, JSON.stringify(seed));
  return file;
}

row('invalidCustomerId', 'customer id not a GUID', async () => {
  const token = await pcapi.tokenFor('admin@fabrikam.example');
  const ids = ['abc', DEMO.contoso.replaceAll('-', ''), `{${DEMO.contoso}}`, `${DEMO.contoso}0`, DEMO.contoso.slice(1), DEMO.contoso.replace(/b$/, 'g'), `%20${DEMO.contoso}`];
  for (const id of ids) {
    const body = await expectError(await pcapi.getOrganization(id, { token }), 'invalidCustomerId', 400, 900118);
    assert.match(dataText(body), /not a GUID/);
    assert.ok(!JSON.stringify(body).includes(decodeURIComponent(id)), `the id ${id} is not reflected`);
  }
});

row('badRequest', 'request body the framework cannot parse (token endpoint), or malformed HTTP', async () => {
  const tokenUrl = `${pcapi.url}/${DEMO.fabrikam}/oauth2/v2.0/token`;
  const malformed = await fetch(tokenUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"grant_type":' });
  const body = await expectError(malformed, 'badRequest', 400, 400);
  assert.match(dataText(body), /^failed: /);
  assert.ok(malformed.headers.get('ms-requestid'));
  // What Node's parser refuses (here a bare CR) gets the same row; test/api/http-refusals.test.ts has the rest.
  const { responses } = await exchange(pcapi.url, `GET /v1/customers/${DEMO.contoso}/organization HTTP/1.1\r\nHost: x\r\nX-A: a\rX-B: b\r\n\r\n`);
  assertCatalogAnswer(responses[0], 'badRequest');
});

row('payloadTooLarge', 'request body over the 64 KiB limit (token endpoint)', async () => {
  const tokenUrl = `${pcapi.url}/${DEMO.fabrikam}/oauth2/v2.0/token`;
  const oversized = await fetch(tokenUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `a=${'x'.repeat(70 * 1024)}` });
  await expectError(oversized, 'payloadTooLarge', 413, 413);
});

row('unsupportedMediaType', 'request body of a Content-Type no parser reads (token endpoint)', async () => {
  const tokenUrl = `${pcapi.url}/${DEMO.fabrikam}/oauth2/v2.0/token`;
  const unsupported = await fetch(tokenUrl, { method: 'POST', headers: { 'content-type': 'text/xml' }, body: '<grant_type/>' });
  await expectError(unsupported, 'unsupportedMediaType', 415, 415);
});

row('requestHeadersTooLarge', 'request headers over Node\'s 16 KiB limit', async () => {
  const { responses, closedByServer } = await exchange(pcapi.url, `GET /v1/customers/${DEMO.contoso}/organization HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20 * 1024)}\r\n\r\n`);
  assertCatalogAnswer(responses[0], 'requestHeadersTooLarge');
  assert.ok(closedByServer);
});

row('requestTimeout', 'request headers or body not received in time', async (t) => {
  const impatient = await startTestServer(t, { headersTimeout: '0.2', requestTimeout: '0.4' });
  const started = Date.now();
  const { responses, closedByServer } = await exchange(impatient.url, `GET /v1/customers/${DEMO.contoso}/organization HTTP/1.1\r\nHost: x\r\n`);
  assertCatalogAnswer(responses[0], 'requestTimeout');
  assert.ok(closedByServer);
  assert.ok(Date.now() - started < 2000, 'within the header timeout, checked four times per limit');
  // Slow bodies, and clients that send nothing at all: test/api/connection-limits.test.ts.
});

row('tokenMissing', 'no Authorization header', async () => {
  for (const headers of [{}, { authorization: '' }] as Record<string, string>[]) {
    const response = await pcapi.getOrganization(DEMO.contoso, { headers });
    await expectError(response, 'tokenMissing', 401, 800001);
    assert.equal(response.headers.get('www-authenticate'), REALM, 'no credentials: a bare challenge without error (RFC 6750 §3.1)');
  }
});

row('tokenInvalid', 'garbage, wrong scheme, tampered, expired or wrong-audience token', async () => {
  const good = await pcapi.tokenFor('admin@fabrikam.example');
  const [header, payload, signature] = good.split('.');
  const tampered = `${header}.${payload}.${signature!.slice(0, -4)}${signature!.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`;
  const authorizations = [
    'Bearer garbage',
    'Bearer ',
    'Basic YWRtaW46cGNhcGktZGVtbw==',
    `Token ${good}`,
    `Bearer ${tampered}`,
    `Bearer ${await pcapi.tokenFor('admin@fabrikam.example', { issuedAtOffsetSeconds: -7200 })}`,
    `Bearer ${await pcapi.tokenFor('admin@fabrikam.example', { audience: 'https://graph.microsoft.com' })}`,
    `Bearer ${await pcapi.tokenFor(DEMO.fabrikamAutomation, { notBeforeDelaySeconds: 3000 })}`,
  ];
  for (const authorization of authorizations) {
    const response = await pcapi.getOrganization(DEMO.contoso, { headers: { authorization } });
    await expectError(response, 'tokenInvalid', 401, 400);
    assert.match(response.headers.get('www-authenticate') ?? '', INVALID_TOKEN_CHALLENGE, authorization.slice(0, 20));
  }
});

row('mfaRequired', 'app+user token without mfa in amr', async () => {
  const tokens = [await pcapi.tokenFor('nomfa@fabrikam.example'), await pcapi.tokenFor('admin@fabrikam.example', { mfa: false })];
  for (const token of tokens) {
    const response = await pcapi.getOrganization(DEMO.contoso, { token });
    const body = await expectError(response, 'mfaRequired', 401, 900421);
    assert.match(response.headers.get('www-authenticate') ?? '', INVALID_TOKEN_CHALLENGE);
    assert.match(dataText(body), /multi-factor/);
  }
});

row('notAnAgent', 'caller in none of the agent groups', async () => {
  const response = await pcapi.getOrganization(DEMO.contoso, { token: await pcapi.tokenFor('guest@fabrikam.example') });
  const body = await expectError(response, 'notAnAgent', 403, 900150);
  assert.match(dataText(body), /guest@fabrikam\.example is in none of the agent groups AdminAgents, HelpdeskAgents, SalesAgents/);
});

row('noRelationship', 'customer with neither DAP nor GDAP', async (t) => {
  const fourthCoffee = '4c0ffee0-0000-4000-8000-000000000001';
  const seed = await writeSeed(t, (document) => {
    document.partners[0]!.customers.push({ tenantId: fourthCoffee, displayName: 'Fourth Coffee', organization: { displayName: 'Fourth Coffee' } });
  });
  const own = await startTestServer(t, { seed });
  const response = await own.getOrganization(fourthCoffee, { token: await own.tokenFor('admin@fabrikam.example') });
  const body = await expectError(response, 'noRelationship', 403, 20002);
  const data = dataText(body);
  assert.match(data, /no GDAP relationship with customer Fourth Coffee/);
  for (const role of ACCEPTED_ROLES) assert.ok(data.includes(role), `data names ${role}`);
});

row('dapNotSupported', 'customer reachable only through DAP', async () => {
  const response = await pcapi.getOrganization(DEMO.northwind, { token: await pcapi.tokenFor('admin@fabrikam.example') });
  const body = await expectError(response, 'dapNotSupported', 403, 20002);
  const data = dataText(body);
  assert.match(data, /DAP/);
  assert.match(data, /Northwind Traders/);
  for (const role of ACCEPTED_ROLES) assert.ok(data.includes(role), `data names ${role}`);
});

row('gdapAccessInsufficient', 'GDAP expired, wrong roles, caller in no assigned group, or approval pending', async () => {
  const admin = await pcapi.tokenFor('admin@fabrikam.example');

  const tailspin = await expectError(await pcapi.getOrganization(DEMO.tailspin, { token: admin }), 'gdapAccessInsufficient', 403, 900308);
  const expired = /relationship "Tailspin admins" \([^)]+\) expired on (\d{4}-\d{2}-\d{2}T[\d:.]+Z)/.exec(dataText(tailspin));
  assert.ok(expired, dataText(tailspin));
  const daysAgo = (Date.now() - Date.parse(expired[1]!)) / 86_400_000;
  assert.ok(daysAgo > 9 && daysAgo < 11, `the seed ends it 10 days ago, not ${daysAgo}`);

  const woodgrove = dataText(await expectError(await pcapi.getOrganization(DEMO.woodgrove, { token: admin }), 'gdapAccessInsufficient', 403, 900308));
  assert.match(woodgrove, /Helpdesk Administrator/);
  assert.match(woodgrove, /none of Global Administrator, Directory Writers, Global Reader/);

  const helpdesk = await pcapi.getOrganization(DEMO.contoso, { token: await pcapi.tokenFor('helpdesk@fabrikam.example') });
  const notInGroup = dataText(await expectError(helpdesk, 'gdapAccessInsufficient', 403, 900308));
  assert.match(notInGroup, /helpdesk@fabrikam\.example is in no security group assigned on relationship "Contoso readers"/);
  assert.match(notInGroup, /"GDAP Readers"/);

  const relecloud = dataText(await expectError(await pcapi.getOrganization(DEMO.relecloud, { token: admin }), 'gdapAccessInsufficient', 403, 900308));
  assert.match(relecloud, /approvalPending/);
});

row('customerNotFound', 'customer GUID unknown to the server', async () => {
  for (const token of [await pcapi.tokenFor('admin@fabrikam.example'), await pcapi.tokenFor(DEMO.fabrikamAutomation)]) {
    const body = await expectError(await pcapi.getOrganization(UNKNOWN_CUSTOMER, { token }), 'customerNotFound', 404, 60003);
    assert.match(dataText(body), /is not a customer of partner Fabrikam/);
  }
});

row('routeNotFound', 'path matches no route', async () => {
  const token = await pcapi.tokenFor('admin@fabrikam.example');
  const paths = [`/v1/customers/${DEMO.contoso}/organisation`, `/v2/customers/${DEMO.contoso}/organization`, `/v1/customers/${DEMO.contoso}`, '/', '/v1/customers'];
  for (const path of paths) {
    for (const headers of [{}, { authorization: `Bearer ${token}` }] as Record<string, string>[]) {
      const response = await fetch(`${pcapi.url}${path}`, { headers });
      assert.equal(response.status, 404, path);
      assert.equal(response.headers.get('content-type'), 'application/json; charset=utf-8');
      assert.equal(await response.text(), '{"statusCode":404,"message":"Resource not found"}');
    }
  }
});

row('methodNotAllowed', 'any method but GET and HEAD on the organization path, before authentication', async () => {
  // Every method token (TRACE, CONNECT, lowercase, unknown to Node): test/api/http-refusals.test.ts.
  const url = `${pcapi.url}/v1/customers/${DEMO.contoso}/organization`;
  for (const method of ['POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'PROPFIND', 'QUERY', 'BREW']) {
    for (const headers of [{}, { authorization: 'Bearer garbage' }] as Record<string, string>[]) {
      const response = await fetch(url, { method, headers, ...(method === 'DELETE' || method === 'OPTIONS' ? {} : { body: '{}' }) });
      assert.equal(response.status, 405, `${method} ${JSON.stringify(headers)}`);
      assert.equal(response.headers.get('allow'), 'GET, HEAD');
      assert.equal(response.headers.get('www-authenticate'), null, '405 comes before authentication');
      assert.equal(response.headers.get('content-type'), 'application/json; charset=utf-8');
      assert.equal(await response.text(), '{"statusCode":405,"message":"Method not allowed"}');
    }
  }
});

row('throttled', 'partner + customer budget used up', async (t) => {
  const limited = await startTestServer(t, { throttleTenantCustomer: '2/60' });
  const token = await limited.tokenFor(DEMO.fabrikamAutomation);
  for (let call = 0; call < 2; call++) {
    const allowed = await limited.getOrganization(DEMO.contoso, { token });
    assert.equal(allowed.status, 200);
    await allowed.text();
  }
  const response = await limited.getOrganization(DEMO.contoso, { token });
  const retryAfter = response.headers.get('retry-after');
  assert.match(retryAfter ?? '', /^[1-9]\d*$/, 'an integer number of seconds');
  assert.equal(Number(retryAfter), 30, '2 per 60 s: the next call fits 30 s later');
  assert.equal(response.status, 429);
  assert.equal(response.headers.get('content-type'), 'application/json; charset=utf-8');
  assert.ok(response.headers.get('ms-requestid'));
  assert.equal(await response.text(), `{"statusCode":429,"message":"Rate limit is exceeded. Try again in ${retryAfter} seconds."}`);
  // Another customer of the same partner has its own pair budget.
  const other = await limited.getOrganization(DEMO.northwind, { token });
  assert.equal(other.status, 403);
  await other.text();
});

/** A server with the emulator on, and one fault rule for the organization route. */
async function faulted(t: TestContext, rule: Record<string, unknown>): Promise<Response> {
  const emulated = await startTestServer(t, { emulator: 'true' });
  const added = await fetch(`${emulated.url}/_pcapi/faults`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ route: 'GET /v1/customers/*/organization', count: 1, ...rule }),
  });
  assert.equal(added.status, 201, await added.clone().text());
  return emulated.getOrganization(DEMO.contoso, { token: await emulated.tokenFor(DEMO.fabrikamAutomation) });
}

row('serviceUnavailable', 'an injected 503 (emulator fault injection)', async (t) => {
  const response = await faulted(t, { status: 503, retryAfterSeconds: 4 });
  assert.equal(response.headers.get('retry-after'), '4');
  assert.match(dataText(await expectError(response, 'serviceUnavailable', 503, 503)), /injected fault/);
});

row('badGateway', 'an injected 502 (emulator fault injection)', async (t) => {
  const response = await faulted(t, { status: 502 });
  assert.equal(response.status, 502);
  assert.equal(await response.text(), '{"statusCode":502,"message":"Bad gateway."}');
});

row('gatewayTimeout', 'an injected 504 (emulator fault injection)', async (t) => {
  const response = await faulted(t, { status: 504 });
  assert.equal(response.status, 504);
  assert.ok(response.headers.get('ms-requestid'));
  assert.equal(await response.text(), '{"statusCode":504,"message":"Gateway timeout."}');
});

row('throttleUnavailable', 'Redis unreachable with --on-redis-unavailable deny', async (t) => {
  const strict = await startTestServer(t, { redis: `redis://127.0.0.1:${await closedPort()}`, onRedisUnavailable: 'deny' });
  const started = Date.now();
  const response = await strict.getOrganization(DEMO.contoso, { token: await strict.tokenFor(DEMO.fabrikamAutomation) });
  assert.ok(Date.now() - started < 2000, 'fails fast');
  assert.equal(response.headers.get('retry-after'), '1');
  await expectError(response, 'throttleUnavailable', 503, 503);
});

row('storeUnavailable', 'PostgreSQL unreachable while serving, then back', async (t) => {
  const database = await createTestDatabase(t);
  const proxy = new PostgresProxy();
  await proxy.start();
  t.after(() => proxy.cut());
  const served = await startTestServer(t, { database: databaseUrl(database.name, proxy.port) });
  const token = await served.tokenFor(DEMO.fabrikamAutomation);
  assert.equal((await served.getOrganization(DEMO.contoso, { token })).status, 200);

  await proxy.cut();
  const response = await served.getOrganization(DEMO.contoso, { token });
  assert.equal(response.headers.get('retry-after'), '2');
  const body = await expectError(response, 'storeUnavailable', 503, 503);
  assert.ok(Array.isArray(body.data));

  await proxy.restore();
  const recovered = await served.getOrganization(DEMO.contoso, { token });
  assert.equal(recovered.status, 200, 'recovers without a restart');
  await recovered.text();
});

row('internal', 'unexpected failure (the store was closed under the server)', async (t) => {
  const broken = await startTestServer(t);
  const token = await broken.tokenFor(DEMO.fabrikamAutomation);
  await broken.server.store.close();
  const correlationId = 'a176c585-b5de-4d65-824c-67a6deb45cd9';
  const response = await broken.getOrganization(DEMO.contoso, { token, headers: { 'ms-requestid': GIVEN_REQUEST_ID, 'ms-correlationid': correlationId } });
  const text = await response.clone().text();
  const body = await expectError(response, 'internal', 500, 800003);
  assert.equal(response.headers.get('ms-requestid'), GIVEN_REQUEST_ID);
  assert.ok(body.data.includes(`MS-RequestId: ${GIVEN_REQUEST_ID}`), text);
  assert.ok(body.data.includes(`MS-CorrelationId: ${correlationId}`), text);
  assert.doesNotMatch(text, /\n\s+at |node_modules|\.ts:\d|\.js:\d|stack|database|sqlite|TypeError|Error:/i, 'no stack trace or internals');
  // The server keeps answering.
  const notFound = await fetch(`${broken.url}/nowhere`);
  assert.equal(notFound.status, 404);
  await notFound.text();
});

test('every error catalog row has exactly one test in this file', () => {
  assert.deepEqual([...covered].sort(), Object.keys(ERROR_CATALOG).sort());
});

test('with explainDenials off, denials carry data [] and 401 challenges no error_description', async (t) => {
  const quiet = await startTestServer(t, { explainDenials: 'false' });
  const admin = await quiet.tokenFor('admin@fabrikam.example');
  const denials: [string, string, ErrorName, number, number][] = [
    [DEMO.woodgrove, admin, 'gdapAccessInsufficient', 403, 900308],
    [DEMO.northwind, admin, 'dapNotSupported', 403, 20002],
    [DEMO.contoso, await quiet.tokenFor('guest@fabrikam.example'), 'notAnAgent', 403, 900150],
    [DEMO.litware, admin, 'customerNotFound', 404, 60003],
    ['not-a-guid', admin, 'invalidCustomerId', 400, 900118],
  ];
  for (const [customer, token, name, status, code] of denials) {
    const body = await expectError(await quiet.getOrganization(customer, { token }), name, status, code);
    assert.deepEqual(body.data, [], name);
  }
  const challenges: [string, ErrorName, number][] = [
    ['Bearer garbage', 'tokenInvalid', 400],
    ['Basic YTpi', 'tokenInvalid', 400],
    [`Bearer ${await quiet.tokenFor('nomfa@fabrikam.example')}`, 'mfaRequired', 900421],
  ];
  for (const [authorization, name, code] of challenges) {
    const response = await quiet.getOrganization(DEMO.contoso, { headers: { authorization } });
    const body = await expectError(response, name, 401, code);
    assert.deepEqual(body.data, []);
    assert.equal(response.headers.get('www-authenticate'), `${REALM}, error="invalid_token"`);
  }
  const missing = await quiet.getOrganization(DEMO.contoso);
  assert.deepEqual((await expectError(missing, 'tokenMissing', 401, 800001)).data, []);
  assert.equal(missing.headers.get('www-authenticate'), REALM);
});
