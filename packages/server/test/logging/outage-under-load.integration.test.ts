/**
 * The flood this replaces: `pcapi serve` (the bundled CLI, JSON lines on stdout) on PostgreSQL behind
 * a proxy, four clients calling as fast as they can while PostgreSQL is cut off for two seconds. Before,
 * each 503 wrote a warning with a stack (about 6,000 lines for a 9 s outage); now the process writes
 * one warning when the outage starts and one line when it ends, whose count matches the 503s the
 * clients received.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { DEMO } from '../helpers/demo-ids.js';
import { pcapiCommand } from '../helpers/pcapi-command.js';
import { createTestDatabase, databaseUrl, PostgresProxy } from '../helpers/postgres.js';
import { cleanEnv, REPO_ROOT } from '../helpers/run-cli.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('PostgreSQL cut off for 2 s under load: one warning, one closing line counting every 503, from a real process', async (t) => {
  const database = await createTestDatabase(t);
  const proxy = new PostgresProxy();
  await proxy.start();
  t.after(() => proxy.cut());
  const dataDir = mkdtempSync(join(tmpdir(), 'pcapi-flood-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));

  const [node, bundle] = await pcapiCommand();
  const child = spawn(node, [bundle, 'serve', '--port', '0', '--data-dir', dataDir, '--database', databaseUrl(database.name, proxy.port),
    '--log-level', 'info', '--log-format', 'json', '--throttle-tenant', '0', '--throttle-tenant-customer', '0'], { cwd: REPO_ROOT, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => child.kill('SIGKILL'));
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const entries = () => stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
  const until = async (check: () => boolean, what: string) => {
    for (const started = Date.now(); !check(); await sleep(50)) if (Date.now() - started > 20_000) throw new Error(`timed out waiting for ${what}:\n${stdout}`);
  };
  await until(() => entries().some((entry) => entry.msg === 'pcapi is serving'), 'the server');
  const url = String(entries().find((entry) => entry.msg === 'pcapi is serving')!.url);

  const tokenResponse = await fetch(`${url}/fabrikam.example/oauth2/v2.0/token`, { method: 'POST', body: new URLSearchParams({
    grant_type: 'client_credentials', client_id: DEMO.fabrikamAutomation, client_secret: DEMO.secret, scope: 'https://api.partnercenter.microsoft.com/.default',
  }) });
  const token = ((await tokenResponse.json()) as { access_token: string }).access_token;
  const statuses = new Map<number, number>();
  let running = true;
  const client = async () => {
    while (running) {
      const response = await fetch(`${url}/v1/customers/${DEMO.contoso}/organization`, { headers: { authorization: `Bearer ${token}` } });
      await response.arrayBuffer();
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
    }
  };
  const linesBefore = entries().length;
  const clients = [client(), client(), client(), client()];
  await sleep(300);
  await proxy.cut();
  await sleep(2000);
  await proxy.restore();
  await until(() => entries().some((entry) => String(entry.msg).startsWith('the store is back')), 'the closing line');
  running = false;
  await Promise.all(clients);

  const refused = statuses.get(503) ?? 0;
  t.diagnostic(`answers: ${JSON.stringify(Object.fromEntries(statuses))}; lines while it lasted: ${entries().length - linesBefore}`);
  assert.ok(refused > 20, `the clients met the outage (${refused} × 503)`);
  const during = entries().slice(linesBefore);
  const store = during.filter((entry) => String(entry.msg).startsWith('the store is'));
  assert.deepEqual(store.map((entry) => entry.level), [40, 30], JSON.stringify(during));
  assert.equal(store[1]!.refusedCalls, refused, 'the closing line counts every 503');
  assert.ok(during.length <= 4, `a few lines, not one per 503: ${during.length}\n${JSON.stringify(during, null, 1).slice(0, 3000)}`);
  assert.equal(JSON.stringify(store).includes('    at '), false, 'no stack');
});
