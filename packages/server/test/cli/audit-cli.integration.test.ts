/**
 * The audit trail end to end on SQLite and PostgreSQL: a real server records the calls made to it
 * over HTTP, a graceful stop writes what was pending, `pcapi audit` lists and filters them from the
 * store (table and JSON Lines, --follow), and a restarted server still serves them at /_pcapi/audit.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { resolveServeConfig } from '../../src/config.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { DEMO } from '../helpers/demo-ids.js';
import { pcapiCommand } from '../helpers/pcapi-command.js';
import { createTestDatabase } from '../helpers/postgres.js';
import { cleanEnv, REPO_ROOT, runPcapi } from '../helpers/run-cli.js';

type StoreArgs = (t: TestContext) => Promise<{ dataDir?: string; database?: string; args: string[] }>;

const stores: Record<string, StoreArgs> = {
  SQLite: async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'pcapi-audit-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    return { dataDir: dir, args: ['--data-dir', dir] };
  },
  PostgreSQL: async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'pcapi-audit-pg-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const { url } = await createTestDatabase(t);
    return { dataDir: dir, database: url, args: ['--data-dir', dir, '--database', url] };
  },
};

async function serve(where: { dataDir?: string; database?: string }): Promise<RunningServer> {
  return startServer(resolveServeConfig({ port: '0', logLevel: 'silent', emulator: true, dataDir: where.dataDir, database: where.database, throttleTenant: '0', throttleTenantCustomer: '0' }));
}

async function clientToken(url: string): Promise<string> {
  const response = await fetch(`${url}/${DEMO.fabrikam}/oauth2/v2.0/token`, { method: 'POST', body: new URLSearchParams({
    grant_type: 'client_credentials', client_id: DEMO.fabrikamAutomation, client_secret: DEMO.secret, scope: 'https://api.partnercenter.microsoft.com/.default',
  }) });
  assert.equal(response.status, 200);
  return ((await response.json()) as { access_token: string }).access_token;
}

const organization = (url: string, customer: string, token?: string) =>
  fetch(`${url}/v1/customers/${customer}/organization`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

for (const [name, storeArgs] of Object.entries(stores)) {
  describe(`audit trail on ${name}, through pcapi audit`, () => {
    test('calls made over HTTP are listed and filtered by the CLI after a stop, and served again after a restart', async (t) => {
      const where = await storeArgs(t);
      const first = await serve(where);
      const token = await clientToken(first.url);
      const allowed = await organization(first.url, DEMO.contoso, token);
      const denied = await organization(first.url, DEMO.tailspin, token);
      assert.equal((await organization(first.url, DEMO.contoso)).status, 401);
      assert.equal(allowed.status, 200);
      assert.equal(denied.status, 403);
      const deniedId = denied.headers.get('ms-requestid')!;
      // Stopped at once after the calls: the pending events are written on the way out.
      await first.close();

      const listed = await runPcapi(['audit', ...where.args, '--json']);
      assert.equal(listed.code, 0, listed.stderr);
      const events = listed.stdout.trim().split('\n').map((line) => JSON.parse(line));
      assert.deepEqual(events.map((event) => [event.surface, event.status]), [
        ['partner-center', 401], ['partner-center', 403], ['partner-center', 200], ['identity', 200],
      ]);
      assert.equal(events[1].requestId, deniedId);
      assert.equal(events[1].principalId, DEMO.fabrikamAutomation);

      const table = await runPcapi(['audit', ...where.args, '--customer', DEMO.tailspin]);
      assert.equal(table.code, 0, table.stderr);
      assert.match(table.stderr, /^pcapi: store (sqlite \/\S+\/pcapi\.db|postgres postgres:\/\/\S+)\n/, 'stderr names the store first, as every command that opens one');
      assert.match(table.stderr, /1 event\b/);
      const lines = table.stdout.trim().split('\n');
      assert.match(lines[0]!, /^id\s+time \(UTC\)\s+status\s+outcome\s+operation/);
      assert.match(lines[1]!, /403\s+denied\s+GET organization/);
      assert.match(lines[2]!, /^\s+\w+: failed: /, 'the failed check under the row');

      const byRequest = await runPcapi(['audit', ...where.args, '--request-id', deniedId, '--json']);
      assert.equal(byRequest.stdout.trim().split('\n').length, 1);
      const deniedOnly = await runPcapi(['audit', ...where.args, '--outcome', 'denied', '--principal', DEMO.fabrikamAutomation, '--json']);
      assert.deepEqual(deniedOnly.stdout.trim().split('\n').map((line) => JSON.parse(line).status), [403]);

      const bad = await runPcapi(['audit', ...where.args, '--outcome', 'maybe', '--from', 'yesterday']);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /--outcome: one of allowed, denied, refused, failed/);
      assert.match(bad.stderr, /--from: "yesterday" is not an ISO 8601/);

      const second = await serve(where);
      t.after(() => second.close());
      const served = await fetch(`${second.url}/_pcapi/audit?customer=${DEMO.tailspin}`);
      assert.deepEqual(((await served.json()) as { value: { requestId: string }[] }).value.map((event) => event.requestId), [deniedId], 'the trail outlives the process');
    });
  });
}

test('pcapi audit never prints a caller\'s escape sequences raw: a token request naming its user with them', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pcapi-audit-esc-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const server = await serve({ dataDir: dir });
  const evil = '\u001b]0;PWNED\u0007\u001b[2J\u009b31mevil@x\u202e';
  const refused = await fetch(`${server.url}/fabrikam.example/oauth2/v2.0/token`, { method: 'POST', body: new URLSearchParams({
    grant_type: 'password', client_id: DEMO.fabrikamAutomation, username: evil, password: 'x', scope: 'https://api.partnercenter.microsoft.com/.default',
  }) });
  assert.equal(refused.status, 400);
  await server.close();
  for (const args of [[], ['--json']]) {
    const listed = await runPcapi(['audit', '--data-dir', dir, ...args]);
    assert.equal(listed.code, 0, listed.stderr);
    assert.doesNotMatch(listed.stdout, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/, `no raw control character (${args.join(' ') || 'table'})`);
    assert.match(listed.stdout, /\\u001b\]0;PWNED|\\u001b/, 'shown escaped');
  }
  const json = await runPcapi(['audit', '--data-dir', dir, '--json']);
  assert.equal(JSON.parse(json.stdout.trim().split('\n')[0]!).principalName, evil, 'still valid JSON, the name intact');
});

test('pcapi audit --follow prints calls as a running server records them', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pcapi-audit-follow-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const server = await serve({ dataDir: dir });
  t.after(() => server.close());
  const [node, bundle] = await pcapiCommand();
  const follower = spawn(node, [bundle, 'audit', '--data-dir', dir, '--follow', '--json', '--poll-ms', '100'], { cwd: REPO_ROOT, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => follower.kill('SIGKILL'));
  let output = '';
  follower.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const appears = async (requestId: string, withinMs: number) => {
    const started = performance.now();
    while (!output.includes(requestId)) {
      assert.ok(performance.now() - started < withinMs, `${requestId} did not appear within ${withinMs} ms; output: ${output}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return performance.now() - started;
  };
  // The first call shows the follower is running (however long it took to start); the second is timed.
  await appears((await organization(server.url, DEMO.contoso)).headers.get('ms-requestid')!, 20_000);
  const appearedMs = await appears((await organization(server.url, DEMO.contoso)).headers.get('ms-requestid')!, 5000);
  assert.ok(appearedMs < 1000, `appeared after ${Math.round(appearedMs)} ms`);
  follower.kill('SIGINT');
  const code = await new Promise((resolve) => follower.on('close', resolve));
  assert.equal(code, 0, 'stops cleanly on SIGINT');
});
