/**
 * Outages in the logs, not floods: PostgreSQL cut off under a real server (a TCP proxy in front of
 * it) while calls are refused on both surfaces gives one warning when it starts and one line with
 * the count of refused calls when it ends; Redis cut off (a proxy too) under SharedRedis the same,
 * with the count of commands that failed. Lines captured from the real logger.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { ManualClock } from '../../src/clock.js';
import { resolveServeConfig } from '../../src/config.js';
import { createLogger } from '../../src/logging.js';
import { SharedRedis } from '../../src/redis/shared-redis.js';
import { startServer } from '../../src/server.js';
import { DEMO } from '../helpers/demo-ids.js';
import { createTestDatabase, databaseUrl, PostgresProxy } from '../helpers/postgres.js';

const REDIS_TARGET = new URL(process.env.PCAPI_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379');

function memoryLog() {
  const text: string[] = [];
  const stream = new Writable({ write(chunk, _encoding, done) { text.push(String(chunk)); done(); } });
  return { stream, entries: () => text.join('').split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>) };
}

async function eventually(check: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const form = (scope: string) => new URLSearchParams({ grant_type: 'client_credentials', client_id: DEMO.fabrikamAutomation, client_secret: DEMO.secret, scope });

test('PostgreSQL cut off while 40 calls are refused (Partner Center, token endpoint, Graph): one warning with the first call\'s ids, then one line with the count; never the password', async (t) => {
  const database = await createTestDatabase(t);
  const proxy = new PostgresProxy();
  await proxy.start();
  t.after(() => proxy.cut());
  const dataDir = mkdtempSync(join(tmpdir(), 'pcapi-outage-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const log = memoryLog();
  // A password in the URL (trust authentication ignores it): never in a line, outage lines included.
  const withPassword = new URL(databaseUrl(database.name, proxy.port));
  withPassword.password = 'Pg-S3cret-pw';
  const config = resolveServeConfig({ port: '0', dataDir, database: withPassword.toString(), logLevel: 'info', logFormat: 'json', throttleTenant: '0', throttleTenantCustomer: '0',
    // The audit trail reports its own writes held back during an outage; these lines are the store's.
    auditRetention: '0',
  });
  const server = await startServer(config, { logDestination: log.stream });
  t.after(() => server.close());
  const token = async (scope: string) => {
    const response = await fetch(`${server.url}/fabrikam.example/oauth2/v2.0/token`, { method: 'POST', body: form(scope) });
    assert.equal(response.status, 200);
    return ((await response.json()) as { access_token: string }).access_token;
  };
  const partnerCenter = await token('https://api.partnercenter.microsoft.com/.default');
  const graph = await token('https://graph.microsoft.com/.default');
  const before = log.entries().length;

  await proxy.cut();
  const firstIds = { 'ms-requestid': '4d2b6a2e-8f5c-4d0e-9b7a-3c1f2e5d6a70', 'ms-correlationid': '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d' };
  const statuses: number[] = [];
  for (let call = 0; call < 40; call++) {
    const kind = call % 4;
    const response = kind === 0
      ? await fetch(`${server.url}/fabrikam.example/oauth2/v2.0/token`, { method: 'POST', body: form('https://api.partnercenter.microsoft.com/.default'), headers: call === 0 ? firstIds : {} })
      : kind === 1
        ? await fetch(`${server.url}/v1.0/tenantRelationships/delegatedAdminRelationships`, { headers: { authorization: `Bearer ${graph}` } })
        : await fetch(`${server.url}/v1/customers/${[DEMO.contoso, DEMO.northwind][kind - 2]}/organization`, { headers: { authorization: `Bearer ${partnerCenter}` } });
    await response.arrayBuffer();
    statuses.push(response.status);
  }
  assert.deepEqual([...new Set(statuses)], [503], 'every call refused');

  const during = log.entries().slice(before);
  assert.equal(during.length, 1, `one line for 40 refused calls: ${JSON.stringify(during)}`);
  const [warning] = during;
  assert.equal(warning!.level, 40);
  assert.match(String(warning!.msg), /^the store is unavailable/);
  assert.equal(warning!.requestId, firstIds['ms-requestid']);
  assert.equal(warning!.correlationId, firstIds['ms-correlationid']);
  assert.match(String(warning!.err), /PostgreSQL/);
  assert.equal(JSON.stringify(warning).includes('    at '), false, 'no stack');

  await proxy.restore();
  await eventually(() => log.entries().length > before + 1, 'the line saying the store is back');
  const closing = log.entries()[before + 1]!;
  assert.equal(closing.level, 30);
  assert.equal(closing.refusedCalls, 40);
  assert.equal(typeof closing.outageMs, 'number');
  assert.match(String(closing.msg), /^the store is back after \d+\.\d s; 40 calls were refused meanwhile$/);
  const after = await fetch(`${server.url}/v1/customers/${DEMO.contoso}/organization`, { headers: { authorization: `Bearer ${partnerCenter}` } });
  assert.equal(after.status, 200);
  assert.equal(log.entries().length, before + 2, 'nothing more');
  assert.ok(log.entries().some((entry) => entry.msg === 'pcapi is serving' && String(entry.database).includes('127.0.0.1')));
  assert.equal(JSON.stringify(log.entries()).includes('Pg-S3cret-pw'), false, 'the database password is never logged');
});

/** A TCP proxy to the test Redis that can be closed (connections dropped, port refused) and opened again on its port. */
class RedisProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  port = 0;

  async open(): Promise<void> {
    this.server = createServer((client) => {
      const upstream = connect(Number(REDIS_TARGET.port || 6379), REDIS_TARGET.hostname);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
    this.port = (this.server.address() as { port: number }).port;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  }
}

test('Redis cut off while 25 commands fail: one warning, then one line with the count of failed commands', async (t) => {
  const proxy = new RedisProxy();
  await proxy.open();
  t.after(() => proxy.close());
  const log = memoryLog();
  const logger = createLogger({ level: 'info', format: 'json', destination: log.stream })!;
  const clock = new ManualClock(0);
  const redis = new SharedRedis({ url: `redis://127.0.0.1:${proxy.port}`, timeoutMs: 200, reconnectMaxDelayMs: 100, logger, clock });
  t.after(() => redis.close());
  redis.describeOutage({ whileDown: 'calls are rate limited per process', whenBack: 'shared rate limiting resumed' });
  // As an app does before serving: a command's own wait is the command timeout (200 ms here), and on a
  // busy machine the first ping could fail before the outage under test begins.
  await redis.connected();
  assert.equal(await redis.run((client) => client.ping()), 'PONG');

  await proxy.close();
  let failed = 0;
  for (let command = 0; command < 25; command++) {
    await redis.run((client) => client.ping()).catch(() => failed++);
    clock.advance(100);
  }
  assert.equal(failed, 25);
  await proxy.open();
  await eventually(() => redis.available, 'Redis to answer again');
  const entries = log.entries();
  assert.deepEqual(entries.map((entry) => entry.level), [40, 30], JSON.stringify(entries));
  assert.match(String(entries[0]!.msg), /^Redis is unavailable; calls are rate limited per process until it is back$/);
  assert.equal(entries[1]!.failedCommands, 25);
  assert.match(String(entries[1]!.msg), /^Redis is back; shared rate limiting resumed \(25 commands failed over \d+\.\d s and were answered by their fallback\)$/);
});
