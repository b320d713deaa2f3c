/**
 * --metrics-port against a real server on PostgreSQL: /metrics on its own listener (and not on the API
 * port), store operations timed, and a PostgreSQL outage counted as store errors while the API
 * answers 503.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestDatabase, databaseUrl, PostgresProxy } from '../helpers/postgres.js';
import { DEMO, startTestServer } from '../helpers/test-server.js';

function valueOf(text: string, name: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  return text.split('\n')
    .filter((line) => (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) && wanted.every((w) => line.includes(w)))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

test('metrics on their own port: store latency, and store errors during a PostgreSQL outage', async (t) => {
  const database = await createTestDatabase(t);
  const proxy = new PostgresProxy();
  await proxy.start();
  t.after(() => proxy.cut());
  const server = await startTestServer(t, { database: databaseUrl(database.name, proxy.port), metricsPort: '0', decisionCacheTtl: '0' });
  assert.ok(server.server.metricsUrl, 'the listener\'s address is known');
  assert.notEqual(new URL(server.server.metricsUrl).port, new URL(server.url).port);
  assert.equal((await fetch(`${server.url}/metrics`)).status, 404, 'not on the API port');
  assert.equal((await fetch(server.server.metricsUrl.replace('/metrics', '/other'))).status, 404);

  const token = await server.tokenFor('admin@fabrikam.example');
  assert.equal((await server.getOrganization(DEMO.contoso, { token })).status, 200);
  const before = await (await fetch(server.server.metricsUrl)).text();
  assert.ok(valueOf(before, 'pcapi_store_operation_duration_seconds_count', { operation: 'accessFacts' }) >= 1, 'the decision read the store, timed');
  assert.equal(valueOf(before, 'pcapi_store_errors_total'), 0);

  await proxy.cut();
  for (let call = 0; call < 3; call++) assert.equal((await server.getOrganization(DEMO.contoso, { token })).status, 503);
  const during = await (await fetch(server.server.metricsUrl)).text();
  assert.ok(valueOf(during, 'pcapi_store_errors_total', { kind: 'unavailable' }) >= 3, 'each failed read counted');
  assert.equal(valueOf(during, 'pcapi_http_requests_total', { status: '503' }), 3);
  await proxy.restore();
});
