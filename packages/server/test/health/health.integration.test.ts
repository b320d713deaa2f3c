/**
 * /healthz and /readyz against real servers: ready on SQLite and PostgreSQL; 503 naming the store
 * while PostgreSQL is cut off and ready again once it is back; 503 naming Redis when the configured
 * Redis does not answer. Never a token, never throttled.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { closedPort } from '../helpers/ports.js';
import { createTestDatabase, databaseUrl, PostgresProxy } from '../helpers/postgres.js';
import { startTestServer } from '../helpers/test-server.js';

async function readiness(url: string): Promise<{ status: number; body: { status: string; failing?: string[]; checks: Record<string, { ok: boolean; error?: string }> } }> {
  const response = await fetch(`${url}/readyz`);
  return { status: response.status, body: (await response.json()) as never };
}

test('SQLite: alive and ready, with no token, and never throttled', async (t) => {
  const server = await startTestServer(t, { throttleTenant: '1/60' });
  const alive = await fetch(`${server.url}/healthz`);
  assert.equal(alive.status, 200);
  assert.deepEqual(await alive.json(), { status: 'ok' });
  for (let call = 0; call < 5; call++) {
    const ready = await readiness(server.url);
    assert.equal(ready.status, 200);
    assert.deepEqual(ready.body, { status: 'ready', checks: { store: { ok: true } } });
  }
});

test('PostgreSQL: 503 naming the store while it is cut off, ready again when it is back', async (t) => {
  const database = await createTestDatabase(t);
  const proxy = new PostgresProxy();
  await proxy.start();
  t.after(() => proxy.cut());
  const server = await startTestServer(t, { database: databaseUrl(database.name, proxy.port) });
  assert.equal((await readiness(server.url)).status, 200);
  await proxy.cut();
  const down = await readiness(server.url);
  assert.equal(down.status, 503);
  assert.deepEqual(down.body.failing, ['store']);
  assert.equal(down.body.checks.store!.ok, false);
  assert.match(down.body.checks.store!.error ?? '', /PostgreSQL/);
  assert.equal((await fetch(`${server.url}/healthz`)).status, 200, 'the process is still up');
  await proxy.restore();
  assert.equal((await readiness(server.url)).status, 200);
});

test('a configured Redis that does not answer: 503 naming redis', async (t) => {
  const server = await startTestServer(t, { redis: `redis://127.0.0.1:${await closedPort()}` });
  const ready = await readiness(server.url);
  assert.equal(ready.status, 503);
  assert.deepEqual(ready.body.failing, ['redis']);
  assert.equal(ready.body.checks.store!.ok, true);
});
