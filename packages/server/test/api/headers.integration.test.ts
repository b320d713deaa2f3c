/**
 * Partner Center's request/response headers: MS-RequestId and MS-CorrelationId echoed only when they
 * are GUIDs, MS-CV, MS-ServerId and Date, on successes and on every kind of error.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CONTOSO_BODY, DEMO, startTestServer } from '../helpers/test-server.js';

type Pcapi = Awaited<ReturnType<typeof startTestServer>>;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const CORRELATION_VECTOR = /^[A-Za-z0-9+/]{16}(\.\d+)+$/;
const REQUEST_ID = '74ca1db9-df92-41c6-a362-a16433b0542b';
const CORRELATION_ID = 'a176c585-b5de-4d65-824c-67a6deb45cd9';

/** Values that must never come back in a response header. */
const MALFORMED = [
  'not-a-guid',
  'x'.repeat(5000),
  '<script>alert(1)</script>',
  `${REQUEST_ID}<script>`,
  `{${REQUEST_ID}}`,
  REQUEST_ID.replaceAll('-', ''),
  `${REQUEST_ID}\tX-Injected: 1`,
  '%0d%0aSet-Cookie: pwned=1',
  'caf\u00e9-\u0085-\u00ff',
  `${REQUEST_ID}, ${CORRELATION_ID}`,
];

let pcapi: Pcapi;
let admin: string;
before(async () => {
  pcapi = await startTestServer(undefined);
  admin = await pcapi.tokenFor('admin@fabrikam.example');
});
after(async () => {
  assert.ok(pcapi.close);
  await pcapi.close();
});

/** Every response carries these, whatever its status. */
function assertStandardHeaders(response: Response, label: string): void {
  assert.match(response.headers.get('ms-requestid') ?? '', GUID, `${label}: MS-RequestId`);
  assert.match(response.headers.get('ms-correlationid') ?? '', GUID, `${label}: MS-CorrelationId`);
  assert.match(response.headers.get('ms-cv') ?? '', CORRELATION_VECTOR, `${label}: MS-CV`);
  assert.ok((response.headers.get('ms-serverid') ?? '').length > 0, `${label}: MS-ServerId`);
  const date = Date.parse(response.headers.get('date') ?? '');
  assert.ok(Math.abs(date - Date.now()) < 60_000, `${label}: Date`);
}

test('MS-RequestId and MS-CorrelationId are echoed when they are GUIDs', async () => {
  for (const [requestId, correlationId] of [[REQUEST_ID, CORRELATION_ID], [REQUEST_ID.toUpperCase(), CORRELATION_ID.toUpperCase()]] as const) {
    const response = await pcapi.getOrganization(DEMO.contoso, { token: admin, headers: { 'MS-RequestId': requestId, 'MS-CorrelationId': correlationId } });
    assert.equal(await response.text(), CONTOSO_BODY);
    assert.equal(response.headers.get('ms-requestid'), requestId);
    assert.equal(response.headers.get('ms-correlationid'), correlationId);
    assertStandardHeaders(response, requestId);
  }
});

test('MS-RequestId and MS-CorrelationId are fresh GUIDs when absent', async () => {
  const seen = new Set<string>();
  for (let i = 0; i < 3; i++) {
    const response = await pcapi.getOrganization(DEMO.contoso, { token: admin });
    assert.equal(await response.text(), CONTOSO_BODY);
    assertStandardHeaders(response, `call ${i}`);
    const requestId = response.headers.get('ms-requestid')!;
    const correlationId = response.headers.get('ms-correlationid')!;
    assert.notEqual(requestId, correlationId);
    assert.ok(!seen.has(requestId) && !seen.has(correlationId), 'a new pair per call');
    seen.add(requestId).add(correlationId);
  }
});

test('malformed MS-RequestId and MS-CorrelationId values are never reflected, and the response is still correct', async () => {
  for (const value of MALFORMED) {
    const label = JSON.stringify(value.slice(0, 40));
    const response = await pcapi.getOrganization(DEMO.contoso, { token: admin, headers: { 'ms-requestid': value, 'ms-correlationid': value } });
    assert.equal(response.status, 200, label);
    assert.equal(await response.text(), CONTOSO_BODY, label);
    assertStandardHeaders(response, label);
    assert.notEqual(response.headers.get('ms-requestid'), value.trim(), label);
    assert.notEqual(response.headers.get('ms-correlationid'), value.trim(), label);
    // Not even the GUID-looking part of a malformed value.
    assert.ok(![REQUEST_ID, CORRELATION_ID].includes(response.headers.get('ms-requestid')!), label);
    assert.ok(![REQUEST_ID, CORRELATION_ID].includes(response.headers.get('ms-correlationid')!), label);
    for (const [name, headerValue] of response.headers) {
      assert.ok(!/script|pwned|injected|xxxxxxxxxx/i.test(headerValue), `${label} reflected in ${name}`);
      assert.ok(!headerValue.includes(value.trim()), `${label} reflected in ${name}`);
    }
    assert.equal(response.headers.get('set-cookie'), null);
    assert.equal(response.headers.get('x-injected'), null);
  }
});

test('duplicated MS-RequestId headers are not reflected', async () => {
  const headers = new Headers({ authorization: `Bearer ${admin}` });
  headers.append('ms-requestid', REQUEST_ID);
  headers.append('ms-requestid', CORRELATION_ID);
  const response = await fetch(`${pcapi.url}/v1/customers/${DEMO.contoso}/organization`, { headers });
  assert.equal(await response.text(), CONTOSO_BODY);
  assert.match(response.headers.get('ms-requestid')!, GUID);
  assert.ok(![REQUEST_ID, CORRELATION_ID].includes(response.headers.get('ms-requestid')!));
});

test('MS-CV is generated as a correlation vector when absent, new per call', async () => {
  const first = await pcapi.getOrganization(DEMO.contoso, { token: admin });
  const second = await pcapi.getOrganization(DEMO.contoso, { token: admin });
  await Promise.all([first.text(), second.text()]);
  assert.match(first.headers.get('ms-cv')!, CORRELATION_VECTOR);
  assert.match(second.headers.get('ms-cv')!, CORRELATION_VECTOR);
  assert.notEqual(first.headers.get('ms-cv')!.slice(0, 16), second.headers.get('ms-cv')!.slice(0, 16));
});

test('MS-CV extends a valid incoming vector', async () => {
  for (const incoming of ['sLRFZMWm+EKuL47u', 'sLRFZMWm+EKuL47u.0', 'sLRFZMWm+EKuL47u.1.2', 'abcdefghij/KLMN0.17']) {
    const response = await pcapi.getOrganization(DEMO.contoso, { token: admin, headers: { 'ms-cv': incoming } });
    assert.equal(await response.text(), CONTOSO_BODY);
    const cv = response.headers.get('ms-cv')!;
    assert.match(cv, CORRELATION_VECTOR, incoming);
    assert.ok(cv.startsWith(`${incoming}.`), `${cv} extends ${incoming}`);
    assert.ok(/^\.\d+$/.test(cv.slice(incoming.length)), `${cv} adds one element to ${incoming}`);
  }
});

test('an invalid incoming MS-CV is replaced, never reflected', async () => {
  for (const incoming of ['<script>alert(1)</script>', 'short.1', 'sLRFZMWm+EKuL47u.x', `sLRFZMWm+EKuL47u${'.1'.repeat(2500)}`, 'sLRFZMWm-EKuL47u.0']) {
    const response = await pcapi.getOrganization(DEMO.contoso, { token: admin, headers: { 'ms-cv': incoming } });
    assert.equal(await response.text(), CONTOSO_BODY);
    const cv = response.headers.get('ms-cv')!;
    assert.match(cv, CORRELATION_VECTOR, incoming.slice(0, 30));
    assert.ok(!cv.includes(incoming), incoming.slice(0, 30));
    assert.ok(cv.length < 100);
  }
});

test('MS-ServerId and Date are present on a success, and MS-Contract-Version is not required', async () => {
  const response = await pcapi.getOrganization(DEMO.contoso, { token: admin });
  assert.equal(await response.text(), CONTOSO_BODY);
  assert.equal(response.headers.get('content-type'), 'application/json; charset=utf-8');
  assertStandardHeaders(response, 'success');
  assert.match(response.headers.get('date')!, /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/);
});

test('request ids, MS-CV, MS-ServerId and Date are present on errors and 404s too', async () => {
  const guest = await pcapi.tokenFor('guest@fabrikam.example');
  const url = pcapi.url;
  const cases: [string, string, RequestInit, number][] = [
    ['invalid customer id', `${url}/v1/customers/not-a-guid/organization`, { headers: { authorization: `Bearer ${admin}` } }, 400],
    ['no token', `${url}/v1/customers/${DEMO.contoso}/organization`, {}, 401],
    ['bad token', `${url}/v1/customers/${DEMO.contoso}/organization`, { headers: { authorization: 'Bearer garbage' } }, 401],
    ['not an agent', `${url}/v1/customers/${DEMO.contoso}/organization`, { headers: { authorization: `Bearer ${guest}` } }, 403],
    ['GDAP denial', `${url}/v1/customers/${DEMO.woodgrove}/organization`, { headers: { authorization: `Bearer ${admin}` } }, 403],
    ['unknown customer', `${url}/v1/customers/0badc0de-0000-4000-8000-000000000000/organization`, { headers: { authorization: `Bearer ${admin}` } }, 404],
    ['unknown route', `${url}/v1/nothing/here`, {}, 404],
    ['method not allowed', `${url}/v1/customers/${DEMO.contoso}/organization`, { method: 'DELETE' }, 405],
    ['malformed token request', `${url}/${DEMO.fabrikam}/oauth2/v2.0/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' }, 400],
  ];
  for (const [label, target, init, status] of cases) {
    const echoed = await fetch(target, { ...init, headers: { ...(init.headers as Record<string, string>), 'ms-requestid': REQUEST_ID, 'ms-correlationid': CORRELATION_ID } });
    await echoed.text();
    assert.equal(echoed.status, status, label);
    assertStandardHeaders(echoed, label);
    assert.equal(echoed.headers.get('ms-requestid'), REQUEST_ID, label);
    assert.equal(echoed.headers.get('ms-correlationid'), CORRELATION_ID, label);

    const generated = await fetch(target, { ...init, headers: { ...(init.headers as Record<string, string>), 'ms-requestid': '<script>' } });
    await generated.text();
    assertStandardHeaders(generated, `${label}, malformed id`);
  }
});

/** Paths the router itself refuses: they must still get request ids and a Partner Center-shaped body, and not echo the path. */
for (const [label, segment] of [
  ['a malformed percent-encoding (%ZZ)', '%ZZ<script>'],
  ['an over-long (300 characters)', 'a'.repeat(300)],
] as const) {
  test(`${label} customer id gets a 400 with request ids and a Partner Center body that does not echo it`, async () => {
    const response = await fetch(`${pcapi.url}/v1/customers/${segment}/organization`, {
      headers: { authorization: `Bearer ${admin}`, 'ms-requestid': REQUEST_ID },
    });
    const text = await response.text();
    assert.equal(response.status, 400, text.slice(0, 200));
    assert.equal(response.headers.get('content-type'), 'application/json; charset=utf-8');
    assertStandardHeaders(response, label);
    assert.equal(response.headers.get('ms-requestid'), REQUEST_ID);
    const body = JSON.parse(text) as Record<string, unknown>;
    assert.equal(typeof body.code, 'number');
    assert.equal(body.source, 'PartnerFD');
    assert.ok(!text.includes(segment.slice(0, 40)) && !text.includes('<script') && !text.includes('%ZZ') && !text.includes('%3C'), 'the path is not reflected');
  });
}
