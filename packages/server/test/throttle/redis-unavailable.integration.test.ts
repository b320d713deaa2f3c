/**
 * Redis unreachable, hung, and back again. A closed port stands for a Redis that is down; a small real
 * TCP proxy in front of the real Redis is closed, frozen and reopened to stand for an outage and its end.
 * Every answer must come within ~300 ms (200 ms timeout + margin), and each outage is logged once.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { Redis } from 'ioredis';
import { ManualClock } from '../../src/clock.js';
import { createSignInLockout } from '../../src/identity/create-sign-in-lockout.js';
import { SharedRedis, type OutageLogger } from '../../src/redis/shared-redis.js';
import { buildInjectApp, DEMO } from '../helpers/inject-app.js';
import { closedPort } from '../helpers/ports.js';
import {
  RedisThrottle, ThrottleUnavailableError, createThrottle, throttleKeysFor,
  type RedisUnavailableMode, type Throttle, type ThrottleConfig, type ThrottleResult,
} from '../../src/throttle/index.js';
import { connectRedis, deleteKeysAndQuit, REDIS_URL } from '../helpers/redis.js';

const REDIS = new URL(REDIS_URL);
const PREFIX = `pcapi:throttle:test-${randomUUID()}:`;
const FAST_MS = 300;
const LIMITS = { tenantLimit: { requests: 3, perSeconds: 60 }, tenantCustomerLimit: { requests: 0, perSeconds: 60 } };

let admin: Redis;
const cleanup: Array<() => Promise<void>> = [];

before(async () => {
  admin = await connectRedis();
});

after(async () => {
  for (const step of cleanup.reverse()) await step();
  await deleteKeysAndQuit(admin, PREFIX);
});

function recordingLogger() {
  const lines: Array<{ level: 'warn' | 'info'; msg: string; obj: object }> = [];
  const logger: OutageLogger = { warn: (obj, msg) => lines.push({ level: 'warn', msg, obj }), info: (obj, msg) => lines.push({ level: 'info', msg, obj }) };
  return { logger, lines, levels: () => lines.map((l) => l.level) };
}

function throttleFor(redisUrl: string, onRedisUnavailable: RedisUnavailableMode, logger: OutageLogger): Throttle {
  const config: ThrottleConfig = { redisUrl, keyPrefix: PREFIX, onRedisUnavailable, redisTimeoutMs: 200, ...LIMITS };
  const throttle = createThrottle(config, logger);
  cleanup.push(() => throttle.close());
  return throttle;
}

/** consume(), timed; a rejection is returned rather than thrown. */
async function timedConsume(throttle: Throttle, partner: string): Promise<{ ms: number; result?: ThrottleResult; error?: unknown }> {
  const started = performance.now();
  try {
    const result = await throttle.consume(throttleKeysFor(partner, 'C', LIMITS));
    return { ms: performance.now() - started, result };
  } catch (error) {
    return { ms: performance.now() - started, error };
  }
}

/**
 * A real TCP proxy to Redis that can be closed, frozen (accepts, never answers) and reopened on its
 * port, and can drop the first connections it accepts (Redis restarting as a server starts).
 */
class RedisProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  frozen = false;
  /** Connections still to be closed as soon as they are accepted. */
  dropConnections = 0;
  port = 0;

  async open(): Promise<void> {
    this.server = createServer((client) => {
      if (this.dropConnections > 0) {
        this.dropConnections--;
        client.destroy();
        return;
      }
      const upstream = new (client.constructor as typeof Socket)();
      upstream.connect(Number(REDIS.port || 6379), REDIS.hostname);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('error', () => {});
        socket.on('close', () => { this.sockets.delete(socket); client.destroy(); upstream.destroy(); });
      }
      client.on('data', (chunk) => { if (!this.frozen) upstream.write(chunk); });
      upstream.on('data', (chunk) => { if (!this.frozen) client.write(chunk); });
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
    this.port = (this.server.address() as { port: number }).port;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.server?.close(resolve));
    this.server = undefined;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

test("Redis down, 'allow': calls are served at once, with one warning for the whole outage", async () => {
  const { logger, lines, levels } = recordingLogger();
  const throttle = throttleFor(`redis://127.0.0.1:${await closedPort()}`, 'allow', logger);
  for (let i = 0; i < 10; i++) {
    const { ms, result } = await timedConsume(throttle, 'P');
    assert.deepEqual(result, { allowed: true }, `call ${i}`);
    assert.ok(ms < FAST_MS, `call ${i} took ${ms.toFixed(0)} ms`);
  }
  await new Promise((resolve) => setTimeout(resolve, 500)); // several reconnection attempts fail meanwhile
  await timedConsume(throttle, 'P');
  assert.deepEqual(levels(), ['warn']);
  assert.match(lines[0]!.msg, /Redis is unavailable; calls are served without rate limiting/);
  assert.equal((lines[0]!.obj as { onRedisUnavailable: string }).onRedisUnavailable, 'allow');
});

test("Redis down, 'deny': calls are refused at once with a 503-worthy error", async () => {
  const { logger, levels } = recordingLogger();
  const throttle = throttleFor(`redis://127.0.0.1:${await closedPort()}`, 'deny', logger);
  for (let i = 0; i < 5; i++) {
    const { ms, error } = await timedConsume(throttle, 'P');
    assert.ok(error instanceof ThrottleUnavailableError, `call ${i}: ${String(error)}`);
    assert.equal(error.statusCode, 503);
    assert.equal(error.retryAfterSeconds, 1);
    assert.ok(ms < FAST_MS, `call ${i} took ${ms.toFixed(0)} ms`);
  }
  assert.deepEqual(levels(), ['warn']);
});

test("Redis down, 'memory': calls are limited by this process alone", async () => {
  const { logger, levels } = recordingLogger();
  const throttle = throttleFor(`redis://127.0.0.1:${await closedPort()}`, 'memory', logger);
  const answers = [];
  for (let i = 0; i < 5; i++) {
    const { ms, result } = await timedConsume(throttle, 'P');
    assert.ok(ms < FAST_MS, `call ${i} took ${ms.toFixed(0)} ms`);
    answers.push(result);
  }
  assert.deepEqual(answers.map((r) => r?.allowed), [true, true, true, false, false]);
  assert.equal(answers[3]?.allowed === false && answers[3].retryAfterSeconds, 20);
  assert.deepEqual(levels(), ['warn']);
});

test('Redis that accepts connections but never answers: every mode still answers within ~300 ms', async () => {
  const proxy = new RedisProxy();
  proxy.frozen = true;
  await proxy.open();
  cleanup.push(() => proxy.close());
  for (const mode of ['allow', 'deny', 'memory'] as const) {
    const { logger, levels } = recordingLogger();
    const throttle = throttleFor(proxy.url, mode, logger);
    for (let i = 0; i < 3; i++) { // within the limit of 3, so 'memory' allows them all too
      const { ms, result, error } = await timedConsume(throttle, `P-${mode}`);
      assert.ok(ms < FAST_MS, `${mode} call ${i} took ${ms.toFixed(0)} ms`);
      if (mode === 'deny') assert.ok(error instanceof ThrottleUnavailableError, `${mode}: ${String(error)}`);
      else assert.equal(result?.allowed, true, `${mode} call ${i}`);
    }
    assert.deepEqual(levels(), ['warn'], mode);
  }
});

test('an outage and its end through a real proxy: fallback, one warning, one info, then the shared budget again', async () => {
  const proxy = new RedisProxy();
  await proxy.open();
  cleanup.push(() => proxy.close());
  const { logger, levels } = recordingLogger();
  const throttle = throttleFor(proxy.url, 'memory', logger);
  assert.ok(throttle instanceof RedisThrottle);
  const partner = randomUUID();

  // Two of the three calls spent in Redis.
  assert.equal((await timedConsume(throttle, partner)).result?.allowed, true);
  assert.equal((await timedConsume(throttle, partner)).result?.allowed, true);
  assert.equal(Number(await admin.exists(`${PREFIX}tenant:${partner}`)), 1);
  assert.deepEqual(levels(), []);

  // Redis goes away: this process's own budget (a fresh 3) takes over, quickly, with one warning.
  await proxy.close();
  const during = [];
  for (let i = 0; i < 4; i++) {
    const { ms, result } = await timedConsume(throttle, partner);
    assert.ok(ms < FAST_MS, `call ${i} during the outage took ${ms.toFixed(0)} ms`);
    during.push(result?.allowed);
  }
  assert.deepEqual(during, [true, true, true, false]);
  assert.equal(throttle.available, false);
  assert.deepEqual(levels(), ['warn']);

  // Redis comes back: the client reconnects by itself, says so once, and the shared budget applies again.
  await proxy.open();
  await waitFor(() => throttle.available, 'the throttle to see Redis again');
  assert.deepEqual(levels(), ['warn', 'info']);
  assert.equal((await timedConsume(throttle, partner)).result?.allowed, true, 'the third call in Redis');
  assert.equal((await timedConsume(throttle, partner)).result?.allowed, false, 'Redis budget spent');

  // Redis stops answering on a live connection: the first call waits out the timeout, the next fail at once.
  proxy.frozen = true;
  const first = await timedConsume(throttle, randomUUID());
  assert.ok(first.ms < FAST_MS, `first call on a hung connection took ${first.ms.toFixed(0)} ms`);
  const next = await timedConsume(throttle, randomUUID());
  assert.ok(next.ms < 50, `next call took ${next.ms.toFixed(0)} ms`);
  assert.deepEqual(levels(), ['warn', 'info', 'warn']);
  proxy.frozen = false;
  await waitFor(() => throttle.available, 'the throttle to see Redis again after the hang');
  assert.deepEqual(levels(), ['warn', 'info', 'warn', 'info']);
});

test('start-up: a call made while the first connection is still being made waits for it, not for a timeout', async () => {
  const { logger, levels } = recordingLogger();
  const throttle = throttleFor(REDIS_URL, 'deny', logger);
  const { ms, result } = await timedConsume(throttle, randomUUID());
  assert.deepEqual(result, { allowed: true });
  assert.ok(ms < FAST_MS, `took ${ms.toFixed(0)} ms`);
  assert.deepEqual(levels(), []);
});

test('start-up: an app waits for Redis to be ready (its first connection dropped) before it serves, so its first calls count in Redis', async (t) => {
  const proxy = new RedisProxy();
  proxy.dropConnections = 1;
  await proxy.open();
  cleanup.push(() => proxy.close());
  const keyPrefix = `${PREFIX}start-up:`;
  const pcapi = await buildInjectApp(t, {}, { lockout: { threshold: 3, durationSeconds: 30, redisUrl: proxy.url, keyPrefix } });
  const response = await pcapi.inject({
    method: 'POST', url: `/${DEMO.fabrikam}/oauth2/v2.0/token`, headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ grant_type: 'client_credentials', client_id: DEMO.fabrikamAutomation, client_secret: 'guess', scope: 'https://api.partnercenter.microsoft.com/.default' }).toString(),
  });
  assert.equal(response.statusCode, 401, response.body);
  assert.equal((await admin.keys(`${keyPrefix}*`)).length, 1, 'the failure was counted in Redis, not in the fallback');
});

test('start-up: the throttle is ready once Redis is (its first connection dropped); a call then goes to Redis, not to the fallback', async () => {
  const proxy = new RedisProxy();
  proxy.dropConnections = 1;
  await proxy.open();
  cleanup.push(() => proxy.close());
  const { logger } = recordingLogger();
  const throttle = throttleFor(proxy.url, 'deny', logger);
  await throttle.ready();
  const { result, error } = await timedConsume(throttle, randomUUID());
  assert.equal(error, undefined, `answered by the fallback ('deny'): ${String(error)}`);
  assert.deepEqual(result, { allowed: true });
});

test('one connection shared by the throttle and the sign-in lockout: one warning per outage, naming both effects', async () => {
  const { logger, lines, levels } = recordingLogger();
  const redis = new SharedRedis({ url: `redis://127.0.0.1:${await closedPort()}`, logger });
  const throttle = createThrottle({ redisUrl: 'redis://unused', keyPrefix: PREFIX, onRedisUnavailable: 'memory', ...LIMITS }, logger, undefined, redis);
  const lockout = createSignInLockout({ threshold: 3, durationSeconds: 60, redisUrl: 'redis://unused' }, logger, new ManualClock(Date.now()), redis);
  cleanup.push(async () => {
    await throttle.close();
    await lockout.close();
    redis.close();
  });
  for (let i = 0; i < 5; i++) {
    assert.equal((await timedConsume(throttle, `shared-${i}`)).result?.allowed, true);
    assert.equal((await lockout.attempt(`user:t:${i}`)).allowed, true);
  }
  assert.deepEqual(levels(), ['warn']);
  assert.match(lines[0]!.msg, /^Redis is unavailable; calls are rate limited per process; failed sign-ins are counted per process until it is back$/);
});
