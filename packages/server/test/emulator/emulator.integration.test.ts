/**
 * The emulator across real processes and servers: two pcapi servers on one PostgreSQL database share
 * the clock and see each other's reset; `pcapi clock` and `pcapi reset` drive a running server from
 * the shell.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { join } from 'node:path';
import { recordPublicUrl } from '../../src/cli/cli-store.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { pcapiCommand } from '../helpers/pcapi-command.js';
import { createTestDatabase } from '../helpers/postgres.js';
import { runProgram } from '../helpers/run-cli.js';
import { DEMO, startTestServer, type TestServer } from '../helpers/test-server.js';

const DAY = 86_400_000;

async function clockOf(server: TestServer): Promise<{ now: string; offsetMs: number; frozen: boolean }> {
  return (await fetch(`${server.url}/_pcapi/clock`)).json() as Promise<{ now: string; offsetMs: number; frozen: boolean }>;
}

/** Polls until `check` holds (another process hears of a change within the store's notification delay). */
async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let attempt = 0; attempt < 50; attempt++) {
    if (await check()) return;
    await sleep(100);
  }
  assert.fail(`${what}: not within 5 s`);
}

test('two servers on one PostgreSQL database share the clock, and a reset through one is seen by the other', async (t) => {
  const database = await createTestDatabase(t);
  const a = await startTestServer(t, { database: database.url, emulator: 'true' });
  const b = await startTestServer(t, { database: database.url, emulator: 'true' });

  const frozenAt = '2030-05-01T00:00:00.000Z';
  const set = await fetch(`${a.url}/_pcapi/clock`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ now: frozenAt, frozen: true }) });
  assert.equal(set.status, 200);
  await eventually(async () => (await clockOf(b)).now === frozenAt, 'server B shows the time set through A');

  // Terminate Contoso's relationship through B's import; A answers 403, then 200 after a reset through B.
  const document = (await (await fetch(`${b.url}/_pcapi/export`)).json()) as { partners: { customers?: { tenantId: string; gdapRelationships?: { status: string }[] }[] }[] };
  document.partners.flatMap((p) => p.customers ?? []).find((c) => c.tenantId === DEMO.contoso)!.gdapRelationships![0]!.status = 'terminated';
  assert.equal((await fetch(`${b.url}/_pcapi/import`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(document) })).status, 200);
  const token = async () => a.tokenFor('admin@fabrikam.example');
  await eventually(async () => (await a.getOrganization(DEMO.contoso, { token: await token() })).status === 403, 'A sees the import through B');

  const reset = await fetch(`${b.url}/_pcapi/reset`, { method: 'POST' });
  assert.equal(reset.status, 200);
  await eventually(async () => (await clockOf(a)).offsetMs === 0 && !(await clockOf(a)).frozen, 'A is back at real time');
  await eventually(async () => (await a.getOrganization(DEMO.contoso, { token: await token() })).status === 200, 'A serves the seed again');
});

test('export from PostgreSQL, import with replace into SQLite: the same answer for every principal and customer', async (t) => {
  const database = await createTestDatabase(t);
  const source = await startTestServer(t, { database: database.url, emulator: 'true' });
  const target = await startTestServer(t, { emulator: 'true', demo: 'false' });
  const document = await (await fetch(`${source.url}/_pcapi/export`)).text();
  const imported = await fetch(`${target.url}/_pcapi/import?replace=true`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: document });
  assert.equal(imported.status, 200, await imported.clone().text());
  const principals = ['admin@fabrikam.example', 'sales@fabrikam.example', 'helpdesk@fabrikam.example', 'guest@fabrikam.example', 'nomfa@fabrikam.example', 'admin@adatum.example', DEMO.fabrikamAutomation, DEMO.fabrikamReporting, DEMO.adatumAutomation];
  const customers = [DEMO.contoso, DEMO.northwind, DEMO.tailspin, DEMO.woodgrove, DEMO.relecloud, DEMO.litware];
  for (const principal of principals) {
    for (const customer of customers) {
      const [before, after] = await Promise.all([
        source.getOrganization(customer, { token: await source.tokenFor(principal) }),
        target.getOrganization(customer, { token: await target.tokenFor(principal) }),
      ]);
      assert.equal(after.status, before.status, `${principal} on ${customer}`);
      const strip = (text: string) => text.replace(/MS-(Request|Correlation)Id: [0-9a-f-]+/g, '');
      assert.equal(strip(await after.text()), strip(await before.text()), `${principal} on ${customer}: same body`);
    }
  }
});

test('pcapi clock and pcapi reset drive a running server; without --emulator they say how to turn it on', async (t) => {
  const server = await startTestServer(t, { emulator: 'true' });
  const [node, bundle] = await pcapiCommand();
  const pcapi = (...args: string[]) => runProgram(node, [bundle, ...args, '--url', server.url]);

  const advanced = await pcapi('clock', 'advance', 'P10D');
  assert.equal(advanced.code, 0, advanced.stderr);
  assert.equal((JSON.parse(advanced.stdout) as { offsetMs: number }).offsetMs, 10 * DAY);
  const got = await pcapi('clock', 'get');
  assert.equal((JSON.parse(got.stdout) as { offsetMs: number }).offsetMs, 10 * DAY);

  const bad = await pcapi('clock', 'set', 'next tuesday');
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /400: .*ISO 8601 instant/);

  // Without --url: the URL the last pcapi serve on the store recorded (as pcapi serve records it).
  const store = new SqliteStore(join(server.dataDir, 'pcapi.db'));
  await store.init();
  await recordPublicUrl(store, server.url, new Date());
  await store.close();
  const found = await runProgram(node, [bundle, 'clock', 'get', '--data-dir', server.dataDir]);
  assert.equal(found.code, 0, found.stderr);
  assert.equal((JSON.parse(found.stdout) as { offsetMs: number }).offsetMs, 10 * DAY);
  assert.match(found.stderr, new RegExp(`^pcapi: ${server.url} \\(recorded by pcapi serve on this store`));

  const misconfigured = await runProgram(node, [bundle, 'clock', 'get', '--database', 'mysql://x']);
  assert.equal(misconfigured.code, 2, 'a bad --database is said, not passed over for the default URL');
  assert.match(misconfigured.stderr, /mysql/);

  const reset = await pcapi('reset');
  assert.equal(reset.code, 0, reset.stderr);
  assert.equal((JSON.parse(reset.stdout) as { clock: { offsetMs: number } }).clock.offsetMs, 0);

  const plain = await startTestServer(t);
  const refused = await runProgram(node, [bundle, 'clock', 'get', '--url', plain.url]);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /serves no emulator endpoints: start it with --emulator/);
});
