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
