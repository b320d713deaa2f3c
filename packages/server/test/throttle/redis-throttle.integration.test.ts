/**
 * The Redis throttle against the real Redis at PCAPI_TEST_REDIS_URL (default redis://127.0.0.1:6379):
 * the same decisions as the memory throttle, Redis's clock, key layout and expiry, one budget across
 * separate connections, and atomicity under concurrency. Keys live under a prefix unique to this run
 * and are removed with SCAN at the end. If Redis is not answering, every test fails.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import { Redis } from 'ioredis';
import {
  MemoryThrottle, RedisThrottle, createThrottle, throttleKeysFor,
  type ThrottleKey, type ThrottleLimit, type ThrottleResult,
} from '../../src/throttle/index.js';
import { connectRedis, deleteKeysAndQuit, REDIS_URL } from '../helpers/redis.js';
import type { OutageLogger } from '../../src/redis/shared-redis.js';

const PREFIX = `pcapi:throttle:test-${randomUUID()}:`;
const T0 = 1_750_000_000_000;

let admin: Redis;
const throttles: RedisThrottle[] = [];
const logs: string[] = [];
const logger: OutageLogger = { warn: (_o, msg) => logs.push(`warn ${msg}`), info: (_o, msg) => logs.push(`info ${msg}`) };

function redisThrottle(options: { useCallerClock?: boolean } = {}): RedisThrottle {
  // A timeout long enough for a busy machine: under 200 ms (the default) the first command can come
  // before the connection is up and be answered from memory (and logged as an outage).
  const throttle = new RedisThrottle({ redis: { url: REDIS_URL, logger, timeoutMs: 5000 }, keyPrefix: PREFIX, ...options });
  throttles.push(throttle);
  return throttle;
}
const key = (limit: ThrottleLimit, scope: ThrottleKey['scope'] = 'tenant'): ThrottleKey => ({ scope, id: randomUUID(), limit });

before(async () => {
  admin = await connectRedis();
});

after(async () => {
  await Promise.all(throttles.map((t) => t.close()));
  await deleteKeysAndQuit(admin, PREFIX);
});

async function run(throttle: { consume(keys: ThrottleKey[], now?: number): Promise<ThrottleResult> }, keys: ThrottleKey[], count: number, now?: number) {
  const results: ThrottleResult[] = [];
  for (let i = 0; i < count; i++) results.push(await throttle.consume(keys, now));
  return results;
}
const allowedCount = (results: ThrottleResult[]) => results.filter((r) => r.allowed).length;

test('burst then steady rate, and exact Retry-After (caller clock, to compare with memory)', async () => {
  const throttle = redisThrottle({ useCallerClock: true });
  const k = key({ requests: 500, perSeconds: 60 });
  assert.equal(allowedCount(await run(throttle, [k], 500, T0)), 500);
  assert.deepEqual(await throttle.consume([k], T0), { allowed: false, retryAfterSeconds: 1, key: k });
  assert.equal((await throttle.consume([k], T0 + 119.999)).allowed, false);
  assert.equal((await throttle.consume([k], T0 + 120)).allowed, true);
  assert.equal((await throttle.consume([k], T0 + 120)).allowed, false);

  const slow = key({ requests: 2, perSeconds: 60 });
  await run(throttle, [slow], 2, T0);
  for (const [at, expected] of [[0, 30], [1_000, 29], [28_999, 2], [29_999.999, 1]] as const) {
    const result = await throttle.consume([slow], T0 + at);
    assert.equal(!result.allowed && result.retryAfterSeconds, expected, `Retry-After at +${at} ms`);
  }
  assert.equal((await throttle.consume([slow], T0 + 30_000)).allowed, true);
});

test('both keys are charged, either refuses, and a refused call consumes nothing', async () => {
  const throttle = redisThrottle({ useCallerClock: true });
  const config = { tenantLimit: { requests: 10, perSeconds: 60 }, tenantCustomerLimit: { requests: 3, perSeconds: 60 } };
  const partner = randomUUID();
  assert.equal(allowedCount(await run(throttle, throttleKeysFor(partner, 'hot', config), 3, T0)), 3);
  const refusals = await run(throttle, throttleKeysFor(partner, 'hot', config), 20, T0);
  assert.ok(refusals.every((r) => !r.allowed && r.key.scope === 'tenantCustomer' && r.retryAfterSeconds === 20));
  // 3 charged to the tenant (the 20 refusals were not): 7 more customers fit, the next is refused on the tenant.
  for (let i = 0; i < 7; i++) assert.equal((await throttle.consume(throttleKeysFor(partner, `c${i}`, config), T0)).allowed, true);
  const refused = await throttle.consume(throttleKeysFor(partner, 'c-last', config), T0);
  assert.equal(!refused.allowed && refused.key.scope, 'tenant');
  assert.equal(!refused.allowed && refused.retryAfterSeconds, 6);
});

test('a limit of 0 requests means no limit, and stores nothing in Redis', async () => {
  const throttle = redisThrottle();
  const config = { tenantLimit: { requests: 0, perSeconds: 60 }, tenantCustomerLimit: { requests: 0, perSeconds: 60 } };
  const partner = randomUUID();
  assert.equal(allowedCount(await run(throttle, throttleKeysFor(partner, 'C', config), 200)), 200);
  assert.equal(allowedCount(await run(throttle, [key({ requests: 0, perSeconds: 1 })], 50)), 50);
  const onlyPair = { ...config, tenantCustomerLimit: { requests: 1, perSeconds: 60 } };
  assert.equal(allowedCount(await run(throttle, throttleKeysFor(partner, 'C', onlyPair), 5)), 1);
  assert.deepEqual(await admin.keys(`${PREFIX}tenant:${partner}`), []);
});

test('Redis and memory decide identically on a random trace of calls', async () => {
  const redis = redisThrottle({ useCallerClock: true });
  const memory = new MemoryThrottle();
  const limits: ThrottleLimit[] = [{ requests: 3, perSeconds: 1 }, { requests: 7, perSeconds: 60 }, { requests: 1, perSeconds: 0.25 }];
  const tenants = limits.map((limit) => key(limit));
  const pairs = limits.map((limit) => key(limit, 'tenantCustomer'));
  let seed = 42;
  const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
  let now = T0;
  let refused = 0;
  for (let i = 0; i < 1500; i++) {
    now += Math.floor(random() * 400) + random(); // sub-ms steps too
    const keys = [tenants[Math.floor(random() * 3)]!, pairs[Math.floor(random() * 3)]!];
    const fromRedis = await redis.consume(keys, now);
    assert.deepEqual(fromRedis, await memory.consume(keys, now), `call ${i} at +${now - T0} ms`);
    if (!fromRedis.allowed) refused++;
  }
  assert.ok(refused > 300 && refused < 1200, `the trace exercises both answers (${refused} refused)`);
});

test("Redis's own clock is used by default: 5 per second, then one every 200 ms", async () => {
  const throttle = redisThrottle();
  const k = key({ requests: 5, perSeconds: 1 });
  // A caller clock a day off is ignored: processes on different machines must agree on time.
  assert.equal(allowedCount(await run(throttle, [k], 5, T0 - 86_400_000)), 5);
  assert.deepEqual(await throttle.consume([k]), { allowed: false, retryAfterSeconds: 1, key: k });
  await sleep(210);
  assert.equal((await throttle.consume([k])).allowed, true);
  assert.equal((await throttle.consume([k])).allowed, false);
});

test('keys are <prefix><scope>:<id>, hold the TAT in µs, and expire when it passes', async () => {
  const throttle = redisThrottle();
  const [tenant, pair] = throttleKeysFor(randomUUID(), randomUUID(), { tenantLimit: { requests: 10, perSeconds: 60 }, tenantCustomerLimit: { requests: 2, perSeconds: 4 } });
  assert.equal((await throttle.consume([tenant!, pair!])).allowed, true);
  const [seconds, micros] = await admin.time();
  const nowUs = Number(seconds) * 1e6 + Number(micros);
  const tenantTat = Number(await admin.get(`${PREFIX}tenant:${tenant!.id}`));
  assert.ok(tenantTat - nowUs > 5_900_000 && tenantTat - nowUs <= 6_000_000, `tenant TAT ${tenantTat - nowUs} µs ahead`);
  const tenantTtl = await admin.pttl(`${PREFIX}tenant:${tenant!.id}`);
  assert.ok(tenantTtl > 5_800 && tenantTtl <= 6_000, `tenant TTL ${tenantTtl} ms`);
  const pairTtl = await admin.pttl(`${PREFIX}tenantCustomer:${pair!.id}`);
  assert.ok(pairTtl > 1_800 && pairTtl <= 2_000, `pair TTL ${pairTtl} ms`);
});

test('two RedisThrottle instances (two connections, as two processes) share one budget', async () => {
  const first = redisThrottle();
  const second = redisThrottle();
  const k = key({ requests: 10, perSeconds: 60 });
  assert.equal(allowedCount(await run(first, [k], 6)), 6);
  assert.equal(allowedCount(await run(second, [k], 4)), 4);
  assert.equal((await first.consume([k])).allowed, false);
  const refused = await second.consume([k]);
  assert.equal(!refused.allowed && refused.retryAfterSeconds, 6);
});

test('50 parallel calls from two connections on a limit of 20 allow exactly 20', async () => {
  const first = redisThrottle();
  const second = redisThrottle();
  const config = { tenantLimit: { requests: 20, perSeconds: 60 }, tenantCustomerLimit: { requests: 30, perSeconds: 60 } };
  const partner = randomUUID();
  const results = await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 ? first : second).consume(throttleKeysFor(partner, 'C', config))));
  assert.equal(allowedCount(results), 20);
  assert.ok(results.every((r) => r.allowed || r.key.scope === 'tenant'));
  // The pair key was charged exactly 20 times (not by the 30 refusals): alone, 10 more fit it.
  const pairOnly = throttleKeysFor(partner, 'C', config)[1]!;
  assert.equal(allowedCount(await Promise.all(Array.from({ length: 15 }, () => first.consume([pairOnly])))), 10);
});

test('createThrottle with redisUrl shares the budget through Redis', async () => {
  // A timeout long enough for a busy machine: under 200 ms (the default) a connection still being made
  // answers with the fallback, each instance's own memory, and both instances allow 2 of the 4.
  const config = { redisUrl: REDIS_URL, redisTimeoutMs: 5000, keyPrefix: PREFIX, tenantLimit: { requests: 3, perSeconds: 60 }, tenantCustomerLimit: { requests: 0, perSeconds: 60 } };
  const a = createThrottle(config, logger);
  const b = createThrottle(config, logger);
  try {
    assert.ok(a instanceof RedisThrottle);
    const keys = throttleKeysFor(randomUUID(), 'C', config);
    assert.equal(allowedCount([await a.consume(keys), await b.consume(keys), await a.consume(keys), await b.consume(keys)]), 3);
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
  assert.deepEqual(logs, [], 'no outage was logged');
});
