/**
 * GCRA exactness and the memory throttle, with an injected clock: burst then steady rate, integer
 * Retry-After, both keys charged, refusal on either key, limit 0, the memory bound; plus the key
 * builder and the gateway body.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import type { Logger } from 'pino';
import {
  MemoryThrottle, createThrottle, gatewayThrottleBody, throttleKeysFor,
  type ThrottleKey, type ThrottleLimit,
} from '../../src/throttle/index.js';
import { gcraParams } from '../../src/throttle/gcra.js';
import type { OutageLogger } from '../../src/redis/shared-redis.js';

const T0 = 1_750_000_000_000; // epoch ms
const key = (limit: ThrottleLimit, scope: ThrottleKey['scope'] = 'tenant'): ThrottleKey => ({ scope, id: randomUUID(), limit });

async function consumeMany(throttle: MemoryThrottle, keys: ThrottleKey[], count: number, now: number) {
  const results = [];
  for (let i = 0; i < count; i++) results.push(await throttle.consume(keys, now));
  return results;
}

test('500 per 60 s: 500 at once, then exactly one every 120 ms', async () => {
  const throttle = new MemoryThrottle();
  const k = key({ requests: 500, perSeconds: 60 });
  const burst = await consumeMany(throttle, [k], 500, T0);
  assert.ok(burst.every((r) => r.allowed));
  assert.deepEqual(await throttle.consume([k], T0), { allowed: false, retryAfterSeconds: 1, key: k });
  assert.equal((await throttle.consume([k], T0 + 119.999)).allowed, false);
  assert.equal((await throttle.consume([k], T0 + 120)).allowed, true);
  assert.equal((await throttle.consume([k], T0 + 120)).allowed, false);
  assert.equal((await throttle.consume([k], T0 + 239.999)).allowed, false);
  assert.equal((await throttle.consume([k], T0 + 240)).allowed, true);
});

test('Retry-After is whole seconds, rounded up, never below 1, and exactly when the call fits', async () => {
  const throttle = new MemoryThrottle();
  const k = key({ requests: 2, perSeconds: 60 }); // one every 30 s after a burst of 2
  await consumeMany(throttle, [k], 2, T0);
  const retryAt = async (now: number) => {
    const result = await throttle.consume([k], now);
    assert.equal(result.allowed, false, `refused at +${now - T0} ms`);
    return result.allowed ? 0 : result.retryAfterSeconds;
  };
  assert.equal(await retryAt(T0), 30);
  assert.equal(await retryAt(T0 + 0.5), 30); // 29.9995 s → 30
  assert.equal(await retryAt(T0 + 1_000), 29);
  assert.equal(await retryAt(T0 + 28_999), 2); // 1.001 s → 2
  assert.equal(await retryAt(T0 + 29_000), 1);
  assert.equal(await retryAt(T0 + 29_999.999), 1); // 1 µs left → still 1, never 0
  // Obeying the Retry-After given at T0 (30 s) succeeds.
  assert.equal((await throttle.consume([k], T0 + 30_000)).allowed, true);
});

test('a rate that does not divide evenly (7 per minute) is rounded to whole µs, never faster', async () => {
  assert.deepEqual(gcraParams({ requests: 7, perSeconds: 60 }), { intervalUs: 8_571_429, windowUs: 60_000_003 });
  const throttle = new MemoryThrottle();
  const k = key({ requests: 7, perSeconds: 60 });
  assert.ok((await consumeMany(throttle, [k], 7, T0)).every((r) => r.allowed));
  assert.equal((await throttle.consume([k], T0 + 8_571.428)).allowed, false);
  assert.equal((await throttle.consume([k], T0 + 8_571.429)).allowed, true);

  // Greedy caller, one attempt per 10 ms for 10 minutes: exactly the burst plus one per interval.
  const greedy = new MemoryThrottle();
  const g = key({ requests: 7, perSeconds: 60 });
  let allowed = 0;
  for (let t = 0; t <= 600_000; t += 10) if ((await greedy.consume([g], T0 + t)).allowed) allowed++;
  assert.equal(allowed, 7 + Math.floor(600_000_000 / 8_571_429));
});

test('a call is charged against every key: the tenant budget is shared by its customers', async () => {
  const throttle = new MemoryThrottle();
  const config = { tenantLimit: { requests: 10, perSeconds: 60 }, tenantCustomerLimit: { requests: 3, perSeconds: 60 } };
  const partner = randomUUID();
  for (let customer = 0; customer < 3; customer++) {
    const keys = throttleKeysFor(partner, `customer-${customer}`, config);
    assert.ok((await consumeMany(throttle, keys, 3, T0)).every((r) => r.allowed));
    const fourth = await throttle.consume(keys, T0);
    assert.equal(fourth.allowed, false);
    assert.equal(!fourth.allowed && fourth.key.scope, 'tenantCustomer', 'refused on the pair key');
  }
  // 9 charged to the tenant so far: one more fits, then the tenant key refuses even a fresh customer.
  assert.equal((await throttle.consume(throttleKeysFor(partner, 'customer-3', config), T0)).allowed, true);
  const refused = await throttle.consume(throttleKeysFor(partner, 'customer-4', config), T0);
  assert.equal(refused.allowed, false);
  assert.equal(!refused.allowed && refused.key.scope, 'tenant');
  assert.equal(!refused.allowed && refused.retryAfterSeconds, 6);
});

test('a refused call consumes nothing, on any key', async () => {
  const throttle = new MemoryThrottle();
  const config = { tenantLimit: { requests: 10, perSeconds: 60 }, tenantCustomerLimit: { requests: 1, perSeconds: 60 } };
  const partner = randomUUID();
  assert.equal((await throttle.consume(throttleKeysFor(partner, 'hot', config), T0)).allowed, true);
  const refusals = await consumeMany(throttle, throttleKeysFor(partner, 'hot', config), 50, T0);
  assert.ok(refusals.every((r) => !r.allowed && r.key.scope === 'tenantCustomer'));
  // The 50 refusals did not touch the tenant budget: 9 other customers still fit.
  for (let i = 0; i < 9; i++) assert.equal((await throttle.consume(throttleKeysFor(partner, `c${i}`, config), T0)).allowed, true, `customer c${i}`);
  // …nor the pair's own: it fits again exactly one interval after its single call.
  assert.equal((await throttle.consume(throttleKeysFor(partner, 'hot', config), T0 + 60_000)).allowed, true);
});

test('when several keys are over, the answer is the longest wait and names that key', async () => {
  const throttle = new MemoryThrottle();
  const tenant = key({ requests: 1, perSeconds: 10 });
  const pair = key({ requests: 1, perSeconds: 45 }, 'tenantCustomer');
  await throttle.consume([tenant, pair], T0);
  assert.deepEqual(await throttle.consume([tenant, pair], T0), { allowed: false, retryAfterSeconds: 45, key: pair });
  assert.deepEqual(await throttle.consume([tenant, pair], T0 + 44_000), { allowed: false, retryAfterSeconds: 1, key: pair });
});

test('a limit of 0 requests means no limit for that scope', async () => {
  const throttle = new MemoryThrottle();
  const unlimitedTenant = { tenantLimit: { requests: 0, perSeconds: 60 }, tenantCustomerLimit: { requests: 2, perSeconds: 60 } };
  const keys = throttleKeysFor('P', 'C', unlimitedTenant);
  assert.deepEqual(keys.map((k) => k.scope), ['tenantCustomer']);
  for (let i = 0; i < 1000; i++) assert.equal((await throttle.consume(throttleKeysFor('P', `C${i}`, unlimitedTenant), T0)).allowed, true);

  const none = { tenantLimit: { requests: 0, perSeconds: 60 }, tenantCustomerLimit: { requests: 0, perSeconds: 60 } };
  assert.deepEqual(throttleKeysFor('P', 'C', none), []);
  assert.ok((await consumeMany(throttle, [], 100, T0)).every((r) => r.allowed));
  // A 0-request key handed straight to consume() is ignored too, and stores nothing.
  const before = throttle.size;
  assert.ok((await consumeMany(throttle, [key({ requests: 0, perSeconds: 1 })], 100, T0)).every((r) => r.allowed));
  assert.equal(throttle.size, before);
});

test('memory is bounded: expired keys go first, and a busy tenant key survives a flood of new pairs', async () => {
  const throttle = new MemoryThrottle({ maxEntries: 50 });
  for (let i = 0; i < 5_000; i++) {
    await throttle.consume([key({ requests: 1, perSeconds: 1 })], T0 + i);
    assert.ok(throttle.size <= 50, `size ${throttle.size} after ${i + 1} keys`);
  }
  // All those keys expire 1 s after their call; one sweep after that leaves only the new key.
  for (let i = 0; i < 51; i++) await throttle.consume([key({ requests: 1, perSeconds: 1 }, 'tenantCustomer')], T0 + 100_000);
  assert.ok(throttle.size <= 50);

  // A tenant charged on every call is always the most recently used entry, so it is never evicted
  // (evicting it would reset the partner's budget): 1000 calls with 1000 new customers, then refusal.
  const flooded = new MemoryThrottle({ maxEntries: 50 });
  const config = { tenantLimit: { requests: 1000, perSeconds: 60 }, tenantCustomerLimit: { requests: 5, perSeconds: 60 } };
  for (let i = 0; i < 1000; i++) assert.equal((await flooded.consume(throttleKeysFor('P', `C${i}`, config), T0)).allowed, true);
  assert.ok(flooded.size <= 50);
  const refused = await flooded.consume(throttleKeysFor('P', 'C-new', config), T0);
  assert.equal(!refused.allowed && refused.key.scope, 'tenant');
});

test('throttleKeysFor builds one key per scope, case-insensitive like tenant GUIDs', () => {
  const config = { tenantLimit: { requests: 500, perSeconds: 60 }, tenantCustomerLimit: { requests: 100, perSeconds: 60 } };
  assert.deepEqual(throttleKeysFor('2C01706F-53F9-43ED-A5E3-50FE9B93E511', '13BBA13F-49F8-49AA-8A22-1FE70D695FCB', config), [
    { scope: 'tenant', id: '2c01706f-53f9-43ed-a5e3-50fe9b93e511', limit: config.tenantLimit },
    { scope: 'tenantCustomer', id: '2c01706f-53f9-43ed-a5e3-50fe9b93e511:13bba13f-49f8-49aa-8a22-1fe70d695fcb', limit: config.tenantCustomerLimit },
  ]);
});

test('invalid limits are rejected when the throttle is built and when a key is used', async () => {
  const ok = { requests: 1, perSeconds: 1 };
  assert.throws(() => createThrottle({ tenantLimit: { requests: -1, perSeconds: 60 }, tenantCustomerLimit: ok }), /tenantLimit: requests/);
  assert.throws(() => createThrottle({ tenantLimit: ok, tenantCustomerLimit: { requests: 1.5, perSeconds: 60 } }), /tenantCustomerLimit: requests/);
  assert.throws(() => createThrottle({ tenantLimit: { requests: 5, perSeconds: 0 }, tenantCustomerLimit: ok }), /perSeconds/);
  await assert.rejects(new MemoryThrottle().consume([key({ requests: 5, perSeconds: Number.NaN })]), RangeError);
});

test('without redisUrl, createThrottle gives a working in-process throttle', async () => {
  const throttle = createThrottle({ tenantLimit: { requests: 2, perSeconds: 60 }, tenantCustomerLimit: { requests: 0, perSeconds: 60 } });
  assert.ok(throttle instanceof MemoryThrottle);
  const keys = throttleKeysFor('P', 'C', { tenantLimit: { requests: 2, perSeconds: 60 }, tenantCustomerLimit: { requests: 0, perSeconds: 60 } });
  assert.equal((await throttle.consume(keys)).allowed, true);
  assert.equal((await throttle.consume(keys)).allowed, true);
  const third = await throttle.consume(keys);
  assert.equal(!third.allowed && third.retryAfterSeconds, 30);
  await throttle.close();
});

test("gatewayThrottleBody is the gateway's 429 body, in its key order", () => {
  assert.equal(JSON.stringify(gatewayThrottleBody(7)), '{"statusCode":429,"message":"Rate limit is exceeded. Try again in 7 seconds."}');
  assert.equal(gatewayThrottleBody(1).message, 'Rate limit is exceeded. Try again in 1 seconds.');
});

test('a pino logger is accepted as the throttle logger (compile-time check)', () => {
  const accepts = (logger: OutageLogger) => logger;
  const pinoLike = null as unknown as Logger;
  assert.equal(accepts(pinoLike), null);
});

test('a clock moved back (the emulator\'s) does not leave a key refused until the old time comes again', async () => {
  const throttle = new MemoryThrottle();
  const k = key({ requests: 2, perSeconds: 60 });
  const future = T0 + 4 * 365 * 86_400_000;
  await consumeMany(throttle, [k], 2, future);
  assert.equal((await throttle.consume([k], future)).allowed, false, 'spent in the future');
  // Back to T0: the budget spent "in four years" says nothing about now.
  const back = await consumeMany(throttle, [k], 2, T0);
  assert.ok(back.every((r) => r.allowed), 'a fresh window at the earlier time');
  assert.deepEqual(await throttle.consume([k], T0), { allowed: false, retryAfterSeconds: 30, key: k });
});
