/**
 * Units for reading error answers: Partner Center's body, the gateway's, and the bodies proxies
 * produce (empty, HTML, with a byte-order mark), plus Retry-After and the name-based type guards.
 * The last tests send the awkward bodies over a real socket.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseErrorBody } from '../src/errors/parse-error-body.js';
import { parseRetryAfterInMs } from '../src/retry-after.js';
import { isAuthenticationError, isPartnerCenterError, isRequestSendError, PartnerCenterClient, PartnerCenterError, StaticTokenCredential } from '../src/index.js';
import { CONTOSO, DEMO, startFaultProxy, startTestServer, type Fault } from './helpers/pcapi.js';

test("Partner Center's body: code, description, data, source", () => {
  const body = { code: 900308, description: 'Insufficient privileges: ...', data: ['passed: a', 'failed: b'], source: 'PartnerFD' };
  assert.deepEqual(parseErrorBody(403, JSON.stringify(body)), body);
});

test('a code sent as a string (as the documentation types it) is read as a number; missing data is []', () => {
  assert.deepEqual(parseErrorBody(403, '{"code":"900150","description":"no rights"}'), { code: 900150, description: 'no rights', data: [], source: undefined });
  assert.deepEqual(parseErrorBody(403, '{"code":1,"description":"x","data":"one reason"}').data, ['one reason']);
});

test("the gateway's body: statusCode becomes the code, message the description", () => {
  assert.deepEqual(parseErrorBody(429, '{"statusCode":429,"message":"Rate limit is exceeded. Try again in 1 seconds."}'), {
    code: 429,
    description: 'Rate limit is exceeded. Try again in 1 seconds.',
    data: [],
    source: undefined,
  });
});

test('an empty or blank body keeps the status', () => {
  for (const text of ['', '   \r\n', '\uFEFF']) {
    const parsed = parseErrorBody(503, text, 'Service Unavailable');
    assert.equal(parsed.code, 503);
    assert.equal(parsed.description, 'HTTP 503 Service Unavailable with an empty body.');
    assert.deepEqual(parsed.data, []);
  }
});

test('an HTML body (a proxy error page) is summarised without tags', () => {
  const html = '<!DOCTYPE html><html><head><title>502 Bad Gateway</title><style>body{color:red}</style></head><body><h1>Bad Gateway</h1><p>The proxy could not reach the upstream.</p></body></html>';
  const parsed = parseErrorBody(502, html, 'Bad Gateway');
  assert.equal(parsed.code, 502);
  assert.equal(parsed.description, 'HTTP 502 Bad Gateway with a body that is not JSON: 502 Bad Gateway Bad Gateway The proxy could not reach the upstream.');
  assert.ok(!parsed.description.includes('color:red'));
  assert.ok(parseErrorBody(502, `<p>${'x'.repeat(1000)}</p>`).description.length < 300, 'cut short');
});

test('a leading UTF-8 byte-order mark does not hide the body', () => {
  assert.deepEqual(parseErrorBody(404, '\uFEFF{"code":60003,"description":"Tenant not found","data":[],"source":"PartnerFD"}'), {
    code: 60003,
    description: 'Tenant not found',
    data: [],
    source: 'PartnerFD',
  });
});

test('other JSON shapes fall back to their message, or to the status', () => {
  assert.equal(parseErrorBody(400, '{"error":{"code":"BadRequest","message":"OData says no"}}').description, 'OData says no');
  assert.equal(parseErrorBody(401, '{"error":"invalid_token","error_description":"expired"}').description, 'expired');
  assert.deepEqual(parseErrorBody(500, '[1,2]'), { code: 500, description: 'HTTP 500: [1,2]', data: [], source: undefined });
  assert.equal(parseErrorBody(500, 'null').code, 500);
});

test('Retry-After: whole seconds, an HTTP date, a past date, garbage, and the millisecond headers', () => {
  const now = Date.parse('Wed, 21 Oct 2026 07:28:00 GMT');
  const read = (headers: Record<string, string>) => parseRetryAfterInMs(new Headers(headers), now);
  assert.equal(read({ 'retry-after': '1' }), 1000);
  assert.equal(read({ 'retry-after': ' 120 ' }), 120_000);
  assert.equal(read({ 'retry-after': 'Wed, 21 Oct 2026 07:28:30 GMT' }), 30_000);
  assert.equal(read({ 'retry-after': 'Wed, 21 Oct 2026 07:27:00 GMT' }), 0);
  assert.equal(read({ 'retry-after': 'soon' }), undefined);
  assert.equal(read({ 'retry-after': '-5' }), undefined);
  assert.equal(read({}), undefined);
  assert.equal(read({ 'retry-after-ms': '250', 'retry-after': '5' }), 250);
  assert.equal(read({ 'x-ms-retry-after-ms': '40' }), 40);
});

test('the type guards work by name, so a second copy of the package is recognised', () => {
  const error = new PartnerCenterError({ statusCode: 403, code: 900308, description: 'no', requestId: 'r', correlationId: 'c' });
  assert.ok(isPartnerCenterError(error));
  assert.equal(error.name, 'PartnerCenterError');
  assert.equal(error.message, 'Partner Center answered 403 (code 900308): no [MS-RequestId r, MS-CorrelationId c]');
  class PartnerCenterErrorFromAnotherCopy extends Error {
    override name = 'PartnerCenterError';
  }
  assert.ok(isPartnerCenterError(new PartnerCenterErrorFromAnotherCopy('x')));
  for (const other of [new Error('x'), new TypeError('x'), null, undefined, 'PartnerCenterError', { name: 'Other' }]) assert.ok(!isPartnerCenterError(other));
  assert.ok(isRequestSendError({ name: 'RequestSendError' }));
  assert.ok(isAuthenticationError({ name: 'AuthenticationError' }));
});

test('over a real socket: a 403 body with a byte-order mark, and a 502 HTML page, become PartnerCenterErrors', async (t) => {
  const pcapi = await startTestServer(t);
  const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"code":900150,"description":"no rights","data":["failed: not an agent"],"source":"PartnerFD"}')]);
  const answers: Fault[] = [
    { status: 403, headers: { 'ms-requestid': '74ca1db9-df92-41c6-a362-a16433b0542b' }, body: bom },
    { status: 502, headers: { 'content-type': 'text/html' }, body: '<html><body><h1>502 Bad Gateway</h1></body></html>' },
  ];
  const proxy = await startFaultProxy(t, pcapi.url, (n) => answers[n - 1]);
  const client = new PartnerCenterClient(proxy.url, new StaticTokenCredential(await pcapi.tokenFor(DEMO.fabrikamAutomation)), {
    allowInsecureConnection: true,
    retryOptions: { maxRetries: 0 },
  });
  const forbidden = await client.getCustomerOrganization(CONTOSO).catch((e: unknown) => e);
  assert.ok(isPartnerCenterError(forbidden), String(forbidden));
  assert.deepEqual([forbidden.statusCode, forbidden.code, forbidden.description, forbidden.data], [403, 900150, 'no rights', ['failed: not an agent']]);
  assert.equal(forbidden.requestId, '74ca1db9-df92-41c6-a362-a16433b0542b', "the response's id wins over the one sent");
  const badGateway = await client.getCustomerOrganization(CONTOSO).catch((e: unknown) => e);
  assert.ok(isPartnerCenterError(badGateway), String(badGateway));
  assert.equal(badGateway.statusCode, 502);
  assert.equal(badGateway.code, 502);
  assert.match(badGateway.description, /not JSON: 502 Bad Gateway$/);
});
