/**
 * The token endpoints (v2 and v1) when the store fails: 503 while PostgreSQL cannot be reached, 500
 * for an unexpected fault (the store closed under the app), each in Partner Center's error body from
 * the app-wide handler, never an OAuth body that would blame the client.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildInjectApp, DEMO } from '../helpers/inject-app.js';
import { createTestDatabase, databaseUrl, PostgresProxy } from '../helpers/postgres.js';
import { startTestServer } from '../helpers/test-server.js';

const form = (v1: boolean) => new URLSearchParams({
  grant_type: 'client_credentials', client_id: DEMO.fabrikamAutomation, client_secret: DEMO.secret,
  ...(v1 ? { resource: 'https://api.partnercenter.microsoft.com' } : { scope: 'https://api.partnercenter.microsoft.com/.default' }),
});
const PATHS = { v2: '/fabrikam.example/oauth2/v2.0/token', v1: '/fabrikam.example/oauth2/token' };

test('PostgreSQL cut off: 503 from both token endpoints, then tokens again', async (t) => {
  const database = await createTestDatabase(t);
  const proxy = new PostgresProxy();
  await proxy.start();
  t.after(() => proxy.cut());
  const server = await startTestServer(t, { database: databaseUrl(database.name, proxy.port) });
  await proxy.cut();
  for (const [version, path] of Object.entries(PATHS)) {
    const response = await fetch(`${server.url}${path}`, { method: 'POST', body: form(version === 'v1') });
    assert.equal(response.status, 503, version);
    assert.ok(response.headers.get('retry-after'), `${version}: Retry-After`);
    assert.equal(typeof ((await response.json()) as { code?: unknown }).code, 'number', `${version}: Partner Center's body`);
  }
  await proxy.restore();
  for (const [version, path] of Object.entries(PATHS)) assert.equal((await fetch(`${server.url}${path}`, { method: 'POST', body: form(version === 'v1') })).status, 200, version);
});

test('the store closed under the app: 500 from both token endpoints', async (t) => {
  const app = await buildInjectApp(t);
  await app.store.close();
  for (const [version, path] of Object.entries(PATHS)) {
    const response = await app.fetch(path, { method: 'POST', body: form(version === 'v1') });
    assert.equal(response.status, 500, version);
    assert.equal(typeof ((await response.json()) as { code?: unknown }).code, 'number');
  }
});
