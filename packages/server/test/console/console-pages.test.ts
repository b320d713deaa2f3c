/**
 * The console's page and files over HTTP (inject): the page with its security headers, the slash
 * redirect, the bundled script and style, unknown files; the emulator's guard applies, except that
 * with an admin key the page and files (no data) are served without it while every data call still
 * needs it.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { before, test, type TestContext } from 'node:test';
import { EmulatedClock, ManualClock } from '../../src/clock.js';
import { CONSOLE_DIST } from '../../src/package-paths.js';
import { DEMO_SEED_FILE } from '../../src/seed/import-seed.js';
import { buildConsole } from '../../../../scripts/build-console.mjs';
import { buildInjectApp, TEST_EPOCH } from '../helpers/inject-app.js';

before(async () => {
  if (!existsSync(join(CONSOLE_DIST, 'index.html'))) await buildConsole();
});

async function consoleApp(t: TestContext, emulatorKey?: string) {
  const clock = new EmulatedClock(new ManualClock(TEST_EPOCH));
  const pcapi = await buildInjectApp(t, {}, { clock, emulator: { adminKey: emulatorKey, seed: { file: DEMO_SEED_FILE } } });
  return pcapi.app;
}

test('the page: HTML with a strict Content-Security-Policy; without the slash, a redirect to it', async (t) => {
  const app = await consoleApp(t);
  const page = await app.inject({ method: 'GET', url: '/_pcapi/console/' });
  assert.equal(page.statusCode, 200);
  assert.match(page.headers['content-type'] as string, /^text\/html/);
  assert.match(page.body, /<script type="module" src="assets\/console\.js"><\/script>/);
  const policy = page.headers['content-security-policy'] as string;
  assert.match(policy, /default-src 'none'/);
  assert.match(policy, /script-src 'self'/);
  assert.match(policy, /frame-ancestors 'none'/);
  assert.equal(page.headers['x-content-type-options'], 'nosniff');
  const bare = await app.inject({ method: 'GET', url: '/_pcapi/console' });
  assert.equal(bare.statusCode, 302);
  assert.equal(bare.headers.location, '/_pcapi/console/');
});

test('the bundled script and style are served with their types; other names are 404 in Graph shape', async (t) => {
  const app = await consoleApp(t);
  const script = await app.inject({ method: 'GET', url: '/_pcapi/console/assets/console.js' });
  assert.equal(script.statusCode, 200);
  assert.match(script.headers['content-type'] as string, /^text\/javascript/);
  assert.ok(script.body.length > 1000, 'the bundle, not a stub');
  assert.doesNotMatch(script.body, /https?:\/\/(?!www\.w3\.org)[a-z]/i, 'no address outside this server in the bundle');
  const style = await app.inject({ method: 'GET', url: '/_pcapi/console/assets/console.css' });
  assert.equal(style.statusCode, 200);
  assert.match(style.headers['content-type'] as string, /^text\/css/);
  for (const url of ['/_pcapi/console/assets/missing.js', '/_pcapi/console/assets/..%2Fpackage.json', '/_pcapi/console/assets/index.html']) {
    const response = await app.inject({ method: 'GET', url });
    assert.equal(response.statusCode, 404, url);
    assert.equal(response.json().error.code, 'Request_ResourceNotFound', url);
  }
});

test('loopback only without a key; with a key, the page is served to anyone and data calls still need the key', async (t) => {
  const open = await consoleApp(t);
  assert.equal((await open.inject({ method: 'GET', url: '/_pcapi/console/', remoteAddress: '203.0.113.9' })).statusCode, 403);
  const key = 'console-test-key-0123456789';
  const keyed = await consoleApp(t, key);
  assert.equal((await keyed.inject({ method: 'GET', url: '/_pcapi/console/', remoteAddress: '203.0.113.9' })).statusCode, 200);
  assert.equal((await keyed.inject({ method: 'GET', url: '/_pcapi/console/assets/console.js', remoteAddress: '203.0.113.9' })).statusCode, 200);
  assert.equal((await keyed.inject({ method: 'GET', url: '/_pcapi/clock', remoteAddress: '203.0.113.9' })).statusCode, 401);
  assert.equal((await keyed.inject({ method: 'GET', url: '/_pcapi/console/api/partners', remoteAddress: '203.0.113.9' })).statusCode, 401);
  // Only reads of the page and its files: nothing else under the console's path is let through.
  assert.equal((await keyed.inject({ method: 'POST', url: '/_pcapi/console/', remoteAddress: '203.0.113.9' })).statusCode, 401);
});
