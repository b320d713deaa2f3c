/**
 * The sign-in lockout shared through the real Redis at PCAPI_TEST_REDIS_URL (default
 * redis://127.0.0.1:6379): two apps (two "processes") count one account's failures together, keys
 * expire, and an unreachable Redis falls back to counting in memory with one log line per outage.
 * Keys live under a prefix unique to this run and are removed with SCAN at the end.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { Redis } from 'ioredis';
import { ManualClock } from '../../src/clock.js';
import type { LockoutConfig } from '../../src/identity/create-sign-in-lockout.js';
import { RedisLockout } from '../../src/identity/redis-sign-in-lockout.js';
import type { OutageLogger } from '../../src/redis/shared-redis.js';
import { FAILURES_REMEMBERED_MS } from '../../src/identity/sign-in-lockout.js';
import { buildInjectApp, DEMO, TEST_EPOCH, type InjectApp } from '../helpers/inject-app.js';
import { closedPort } from '../helpers/ports.js';
import { connectRedis, deleteKeysAndQuit, REDIS_URL } from '../helpers/redis.js';

const PREFIX = `pcapi:lockout:test-${randomUUID()}:`;
const PC = 'https://api.partnercenter.microsoft.com';
const THRESHOLD = 3;
const DURATION_S = 30;

let admin: Redis;

before(async () => {
  admin = await connectRedis();
});

after(async () => {
  await deleteKeysAndQuit(admin, PREFIX);
});

type Form = Record<string, string>;
const userForm = (extra: Form = {}): Form => ({
  grant_type: 'password', client_id: DEMO.fabrikamAutomation, username: 'admin@fabrikam.example', password: DEMO.secret, scope: `${PC}/user_impersonation`, ...extra,
});
const appForm = (extra: Form = {}): Form => ({ grant_type: 'client_credentials', client_id: DEMO.fabrikamAutomation, client_secret: DEMO.secret, scope: `${PC}/.default`, ...extra });

async function post(pcapi: InjectApp, form: Form): Promise<{ status: number; code: number | undefined }> {
  const response = await pcapi.inject({
    method: 'POST', url: `/${DEMO.fabrikam}/oauth2/v2.0/token`,
    headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams(form).toString(),
  });
  return { status: response.statusCode, code: (JSON.parse(response.body) as { error_codes?: number[] }).error_codes?.[0] };
}

/** An app whose lockout lives in Redis under this run's prefix (`run` keeps tests apart too). */
function sharedApp(t: Parameters<typeof buildInjectApp>[0], run: string): Promise<InjectApp> {
  const lockout: LockoutConfig = { threshold: THRESHOLD, durationSeconds: DURATION_S, redisUrl: REDIS_URL, keyPrefix: `${PREFIX}${run}:` };
  return buildInjectApp(t, {}, { lockout });
}

test('two processes sharing Redis count one account together, and both see its lock end', async (t) => {
  const run = randomUUID();
  const [a, b] = [await sharedApp(t, run), await sharedApp(t, run)];
  assert.equal((await post(a, userForm({ password: 'guess' }))).code, 50126);
  assert.equal((await post(b, userForm({ password: 'guess' }))).code, 50126);
  assert.equal((await post(a, userForm({ password: 'guess' }))).code, 50126);
  assert.equal((await post(b, userForm())).code, 50053, 'B refuses: the third failure was counted on A');
  assert.equal((await post(a, userForm())).code, 50053);

  const keys = await admin.keys(`${PREFIX}${run}:*`);
  assert.equal(keys.length, 1, 'one key per account');
  const ttl = await admin.pttl(keys[0]!);
  assert.ok(ttl > DURATION_S * 1000 && ttl <= DURATION_S * 1000 + FAILURES_REMEMBERED_MS, `key expires (pttl ${ttl})`);

  for (const app of [a, b]) app.clock.advance(DURATION_S * 1000);
  assert.equal((await post(b, userForm())).status, 200);
  assert.deepEqual(await admin.keys(`${PREFIX}${run}:*`), [], 'a success deletes the account\u2019s key');
});

test('a success on one process forgets failures counted on another; clients are shared too', async (t) => {
  const run = randomUUID();
  const [a, b] = [await sharedApp(t, run), await sharedApp(t, run)];
  for (let i = 0; i < THRESHOLD - 1; i++) await post(a, appForm({ client_secret: 'guess' }));
  assert.equal((await post(b, appForm())).status, 200);
  for (let i = 0; i < THRESHOLD - 1; i++) assert.equal((await post(b, appForm({ client_secret: 'guess' }))).code, 7000215);
  assert.equal((await post(a, appForm())).status, 200, 'not locked: the success on B restarted the count');
  for (let i = 0; i < THRESHOLD; i++) await post(b, appForm({ client_secret: 'guess' }));
  assert.deepEqual(await post(a, appForm()), { status: 401, code: 50053 });
});

test('parallel guesses through two processes: no more than the threshold are checked', async (t) => {
  const run = randomUUID();
  const [a, b] = [await sharedApp(t, run), await sharedApp(t, run)];
  const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => post(i % 2 ? a : b, userForm({ username: 'ghost@fabrikam.example', password: 'guess' }))));
  assert.equal(answers.filter((x) => x.code === 50126).length, THRESHOLD, JSON.stringify(answers));
  assert.equal(answers.filter((x) => x.code === 50053).length, 10 - THRESHOLD);
});

test('Redis unreachable: failures are counted in memory, and the outage is logged once', async () => {
  const logs: string[] = [];
  const logger: OutageLogger = { warn: (_o, msg) => logs.push(`warn ${msg}`), info: (_o, msg) => logs.push(`info ${msg}`) };
  const lockout = new RedisLockout({ threshold: THRESHOLD, durationSeconds: DURATION_S }, {
    redis: { url: `redis://127.0.0.1:${await closedPort()}`, timeoutMs: 100, logger }, keyPrefix: PREFIX, clock: new ManualClock(TEST_EPOCH),
  });
  try {
    const verdicts = [];
    for (let i = 0; i < 20; i++) verdicts.push(await lockout.attempt('user:t:someone'));
    assert.deepEqual(verdicts.map((v) => v.allowed), [true, true, true, ...Array(17).fill(false)]);
    assert.equal(lockout.available, false);
    await lockout.succeeded('user:t:someone');
    assert.deepEqual(await lockout.attempt('user:t:someone'), { allowed: true }, 'a success clears the memory count too');
    assert.equal(logs.filter((line) => line.startsWith('warn')).length, 1, logs.join('\n'));
    assert.match(logs[0]!, /Redis is unavailable; failed sign-ins are counted per process/);
  } finally {
    await lockout.close();
  }
});
