/**
 * /metrics after a mixed run through inject(): its counters match the calls made (by route, method
 * and status; authorization outcomes by reason; token and decision cache hits and misses), and no
 * label carries a customer id or a user name.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Metrics } from '../../src/metrics.js';
import { buildInjectApp, DEMO } from '../helpers/inject-app.js';

/** A metric's value for one label set, read from the Prometheus text. */
function valueOf(text: string, name: string, labels: Record<string, string>): number {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && wanted.every((w) => l.includes(w)));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

test('the counters match a mixed run', async (t) => {
  const pcapi = await buildInjectApp(t, {}, { metrics: new Metrics({ processMetrics: false }) });
  const token = await pcapi.tokenFor('admin@fabrikam.example');
  const route = '/v1/customers/:customerTenantId/organization';
  const customers = [DEMO.contoso, DEMO.contoso, DEMO.contoso, DEMO.northwind, DEMO.tailspin, DEMO.tailspin];
  for (const customer of customers) assert.ok([200, 403].includes((await pcapi.getOrganization(customer, { token })).status));
  assert.equal((await pcapi.getOrganization(DEMO.contoso)).status, 401);
  assert.equal((await pcapi.getOrganization('not-a-guid', { token })).status, 400);
  assert.equal((await pcapi.fetch('/nowhere')).status, 404);

  const response = await pcapi.fetch('/metrics');
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /^text\/plain/);
  const text = await response.text();
  assert.equal(valueOf(text, 'pcapi_http_requests_total', { route, method: 'GET', status: '200' }), 3);
  assert.equal(valueOf(text, 'pcapi_http_requests_total', { route, method: 'GET', status: '403' }), 3);
  assert.equal(valueOf(text, 'pcapi_http_requests_total', { route, method: 'GET', status: '401' }), 1);
  assert.equal(valueOf(text, 'pcapi_http_requests_total', { route, method: 'GET', status: '400' }), 1);
  assert.equal(valueOf(text, 'pcapi_http_requests_total', { route: 'unmatched', method: 'GET', status: '404' }), 1);
  assert.equal(valueOf(text, 'pcapi_http_request_duration_seconds_count', { route, method: 'GET' }), 8);
  assert.equal(valueOf(text, 'pcapi_authorization_decisions_total', { outcome: 'allowed' }), 3);
  assert.equal(valueOf(text, 'pcapi_authorization_decisions_total', { outcome: 'dapNotSupported' }), 1);
  assert.equal(valueOf(text, 'pcapi_authorization_decisions_total', { outcome: 'gdapAccessInsufficient' }), 2);
  // Decisions: Contoso, Northwind and Tailspin decided once each (3 misses); the repeats found (2 + 1 hits).
  assert.equal(valueOf(text, 'pcapi_cache_lookups_total', { cache: 'decision', result: 'miss' }), 3);
  assert.equal(valueOf(text, 'pcapi_cache_lookups_total', { cache: 'decision', result: 'hit' }), 3);
  // The token: verified at the first call, found at the next seven (the bad-id call included).
  assert.equal(valueOf(text, 'pcapi_cache_lookups_total', { cache: 'token', result: 'miss' }), 1);
  assert.equal(valueOf(text, 'pcapi_cache_lookups_total', { cache: 'token', result: 'hit' }), 6);
  for (const secret of [DEMO.contoso, DEMO.tailspin, 'admin@fabrikam.example', 'not-a-guid', token.slice(-20)]) {
    assert.ok(!text.includes(secret), `no label carries ${secret}`);
  }
});

test('off by default: no /metrics route, nothing recorded per request', async (t) => {
  const pcapi = await buildInjectApp(t);
  assert.equal((await pcapi.fetch('/metrics')).status, 404);
});

test('throttled calls, token answers by grant and result, and lockouts', async (t) => {
  const pcapi = await buildInjectApp(t, { throttleTenantCustomer: '2/60', lockoutThreshold: '2' }, { metrics: new Metrics({ processMetrics: false }) });
  const token = await pcapi.tokenFor('admin@fabrikam.example');
  const statuses = [];
  for (let call = 0; call < 4; call++) statuses.push((await pcapi.getOrganization(DEMO.contoso, { token })).status);
  assert.deepEqual(statuses, [200, 200, 429, 429]);

  const tokenRequest = (secret: string) => pcapi.fetch(`/${DEMO.fabrikam}/oauth2/v2.0/token`, { method: 'POST', body: new URLSearchParams({
    grant_type: 'client_credentials', client_id: DEMO.fabrikamReporting, client_secret: secret, scope: 'https://api.partnercenter.microsoft.com/.default',
  }) });
  assert.equal((await tokenRequest(DEMO.secret)).status, 200);
  for (let attempt = 0; attempt < 3; attempt++) await tokenRequest('wrong-secret');
  const locked = await tokenRequest(DEMO.secret);
  assert.match(await locked.text(), /AADSTS50053/);
  assert.equal((await pcapi.fetch(`/${DEMO.fabrikam}/oauth2/v2.0/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'magic' }) })).status, 400);

  const text = await (await pcapi.fetch('/metrics')).text();
  assert.equal(valueOf(text, 'pcapi_throttled_total', { limit: 'tenant-customer' }), 2);
  assert.equal(valueOf(text, 'pcapi_token_requests_total', { grant_type: 'client_credentials', result: 'issued' }), 1);
  assert.equal(valueOf(text, 'pcapi_token_requests_total', { grant_type: 'other' }) >= 1, true, 'an unknown grant type is one label value');
  assert.ok(!text.includes('grant_type="magic"'));
  const lockouts = Number(/^pcapi_sign_in_lockouts_total (\d+)$/m.exec(text)?.[1]);
  assert.ok(lockouts >= 1, `lockouts counted: ${lockouts}`);
  const failures = text.split('\n').filter((line) => line.startsWith('pcapi_token_requests_total{') && !line.includes('result="issued"'))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
  assert.equal(failures, 5, 'three wrong secrets, the locked attempt and the unknown grant');
  // Store operations are timed by method name: a bounded label set.
  const operations = new Set([...text.matchAll(/pcapi_store_operation_duration_seconds_count\{operation="([^"]+)"\}/g)].map((match) => match[1]));
  assert.ok(operations.has('accessFacts'), [...operations].join(', '));
  for (const operation of operations) assert.match(operation!, /^[a-zA-Z]+$/);
});
