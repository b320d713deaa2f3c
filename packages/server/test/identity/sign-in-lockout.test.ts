/**
 * Smart-lockout-style limiting at the token endpoint, in one process (inject app, ManualClock: time
 * moves, nothing sleeps): after the threshold every attempt is refused with AADSTS50053, the right
 * secret included, for the configured duration; a success forgets the failures; names that do not
 * exist are counted and locked alike.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RawServeOptions } from '../../src/config.js';
import { ConfigError, resolveServeConfig } from '../../src/config.js';
import { FAILURES_REMEMBERED_MS } from '../../src/identity/sign-in-lockout.js';
import { userAccount } from '../../src/surfaces/identity/token-endpoint.js';
import { buildInjectApp, DEMO, type InjectApp } from '../helpers/inject-app.js';

const PC = 'https://api.partnercenter.microsoft.com';
const UNKNOWN_CLIENT = '0badc0de-1111-4222-8333-444455556666';
const THRESHOLD = 3;
const DURATION_S = 30;

type Form = Record<string, string>;
const appForm = (extra: Form = {}): Form => ({ grant_type: 'client_credentials', client_id: DEMO.fabrikamAutomation, client_secret: DEMO.secret, scope: `${PC}/.default`, ...extra });
const userForm = (extra: Form = {}): Form => ({
  grant_type: 'password', client_id: DEMO.fabrikamAutomation, username: 'admin@fabrikam.example', password: DEMO.secret, scope: `${PC}/user_impersonation`, ...extra,
});

interface Answer {
  status: number;
  error?: string;
  code?: number;
  description: string;
}

async function post(pcapi: InjectApp, form: Form): Promise<Answer> {
  const response = await pcapi.inject({
    method: 'POST', url: `/${DEMO.fabrikam}/oauth2/v2.0/token`,
    headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams(form).toString(),
  });
  const body = JSON.parse(response.body) as { error?: string; error_codes?: number[]; error_description?: string };
  return { status: response.statusCode, error: body.error, code: body.error_codes?.[0], description: body.error_description?.replace(/\r\nTrace ID: [^]*$/, '') ?? '' };
}

const codes = (answers: Answer[]) => answers.map((a) => a.code ?? a.status);

async function repeat(pcapi: InjectApp, form: Form, times: number): Promise<Answer[]> {
  const answers: Answer[] = [];
  for (let i = 0; i < times; i++) answers.push(await post(pcapi, form));
  return answers;
}

function lockoutApp(t: Parameters<typeof buildInjectApp>[0], options: RawServeOptions = {}) {
  return buildInjectApp(t, { lockoutThreshold: String(THRESHOLD), lockoutDuration: String(DURATION_S), ...options });
}

test('a user: locked after the threshold, the right password refused too, unlocked after the duration', async (t) => {
  const pcapi = await lockoutApp(t);
  assert.deepEqual(codes(await repeat(pcapi, userForm({ password: 'guess' }), THRESHOLD)), [50126, 50126, 50126]);

  const locked = await post(pcapi, userForm());
  assert.equal(locked.status, 400);
  assert.equal(locked.error, 'invalid_grant');
  assert.equal(locked.code, 50053);
  assert.match(locked.description, /^AADSTS50053: .*locked.* Try again in 30 seconds\.$/);

  pcapi.clock.advance(DURATION_S * 1000 - 1);
  assert.equal((await post(pcapi, userForm())).code, 50053, 'still locked a millisecond before the end');
  pcapi.clock.advance(1);
  assert.equal((await post(pcapi, userForm())).status, 200, 'the right password works once the lock ends');
});

test('a success forgets the failures', async (t) => {
  const pcapi = await lockoutApp(t);
  await repeat(pcapi, userForm({ password: 'guess' }), THRESHOLD - 1);
  assert.equal((await post(pcapi, userForm())).status, 200);
  assert.deepEqual(codes(await repeat(pcapi, userForm({ password: 'guess' }), THRESHOLD - 1)), [50126, 50126]);
  assert.equal((await post(pcapi, userForm())).status, 200, 'not locked: the count restarted at the success');
});

test('after a lock, each further failure locks again; refused attempts do not extend a lock', async (t) => {
  const pcapi = await lockoutApp(t);
  await repeat(pcapi, userForm({ password: 'guess' }), THRESHOLD);
  pcapi.clock.advance(10_000);
  assert.equal((await post(pcapi, userForm({ password: 'guess' }))).code, 50053, 'refused, not counted');
  pcapi.clock.advance(DURATION_S * 1000 - 10_000);
  assert.equal((await post(pcapi, userForm({ password: 'guess' }))).code, 50126, 'the lock ended on time: this one is checked (and fails)');
  assert.equal((await post(pcapi, userForm())).code, 50053, 'that single failure locked it again');
  pcapi.clock.advance(DURATION_S * 1000);
  assert.equal((await post(pcapi, userForm())).status, 200);
});

test('failures are forgotten after a quiet period', async (t) => {
  const pcapi = await lockoutApp(t);
  await repeat(pcapi, userForm({ password: 'guess' }), THRESHOLD - 1);
  pcapi.clock.advance(FAILURES_REMEMBERED_MS);
  assert.deepEqual(codes(await repeat(pcapi, userForm({ password: 'guess' }), THRESHOLD - 1)), [50126, 50126]);
  assert.equal((await post(pcapi, userForm())).status, 200);
});

test('an unknown user name is counted and locked exactly like a real one', async (t) => {
  const pcapi = await lockoutApp(t);
  const real = await repeat(pcapi, userForm({ password: 'guess' }), THRESHOLD + 2);
  const ghost = await repeat(pcapi, userForm({ username: 'ghost@fabrikam.example', password: 'guess' }), THRESHOLD + 2);
  assert.deepEqual(codes(real), [50126, 50126, 50126, 50053, 50053]);
  assert.deepEqual(ghost, real);
  // The name is compared as the store compares it: case does not make a new account.
  assert.equal((await post(pcapi, userForm({ username: 'GHOST@fabrikam.example', password: 'guess' }))).code, 50053);
  assert.equal((await post(pcapi, userForm({ username: 'ADMIN@Fabrikam.Example' }))).code, 50053);
});

test('a name no user has is counted under a digest: a key of bounded size however long the name, the same for any case', () => {
  const long = `${'x'.repeat(60_000)}@fabrikam.example`;
  const key = userAccount(DEMO.fabrikam, undefined, long);
  assert.ok(key.length < 120, `${key.length} characters`);
  assert.equal(userAccount(DEMO.fabrikam, undefined, long.toUpperCase()), key);
  assert.notEqual(userAccount(DEMO.fabrikam, undefined, `y${long}`), key);
  assert.notEqual(userAccount(DEMO.adatum, undefined, long), key, 'per tenant');
});

test('each account counts alone: one locked user does not lock another', async (t) => {
  const pcapi = await lockoutApp(t);
  await repeat(pcapi, userForm({ password: 'guess' }), THRESHOLD);
  assert.equal((await post(pcapi, userForm())).code, 50053);
  assert.equal((await post(pcapi, userForm({ username: 'sales@fabrikam.example' }))).status, 200);
  assert.equal((await post(pcapi, appForm())).status, 200, 'nor the app the user signed in through');
});

test('a client: locked after the threshold with invalid_client 401 and AADSTS50053; an unknown client alike', async (t) => {
  const pcapi = await lockoutApp(t);
  for (const clientId of [DEMO.fabrikamAutomation, UNKNOWN_CLIENT]) {
    const answers = await repeat(pcapi, appForm({ client_id: clientId, client_secret: 'guess' }), THRESHOLD + 1);
    assert.deepEqual(codes(answers), [7000215, 7000215, 7000215, 50053]);
    const locked = answers.at(-1)!;
    assert.equal(locked.status, 401);
    assert.equal(locked.error, 'invalid_client');
    assert.match(locked.description, /^AADSTS50053: Application with identifier '[0-9a-f-]+' is locked.* Try again in 30 seconds\.$/);
  }
  assert.equal((await post(pcapi, appForm())).code, 50053, 'the right secret is refused while locked');
  // The client's secret is checked (and counted) the same way in the password grant.
  assert.equal((await post(pcapi, userForm({ client_secret: DEMO.secret }))).code, 50053);
  pcapi.clock.advance(DURATION_S * 1000);
  assert.equal((await post(pcapi, appForm())).status, 200);
});

test('parallel guesses cannot all slip in before the lock: attempts are counted before they are checked', async (t) => {
  const pcapi = await lockoutApp(t);
  const answers = await Promise.all(Array.from({ length: 12 }, () => post(pcapi, userForm({ password: 'guess' }))));
  assert.equal(answers.filter((a) => a.code === 50126).length, THRESHOLD, JSON.stringify(codes(answers)));
  assert.equal(answers.filter((a) => a.code === 50053).length, 12 - THRESHOLD);
});

test('threshold 0 turns lockout off; the default is Entra\u2019s 10 failures', async (t) => {
  const off = await buildInjectApp(t, { lockoutThreshold: '0' });
  assert.ok(codes(await repeat(off, userForm({ password: 'guess' }), 12)).every((code) => code === 50126));
  assert.equal((await post(off, userForm())).status, 200);

  const defaults = await buildInjectApp(t);
  assert.deepEqual(codes(await repeat(defaults, userForm({ password: 'guess' }), 11)), [...Array(10).fill(50126), 50053]);
  assert.match((await post(defaults, userForm())).description, /Try again in 60 seconds/);
});

test('--lockout-threshold and --lockout-duration are validated with the other settings', () => {
  assert.deepEqual(resolveServeConfig({}).lockout, { threshold: 10, durationSeconds: 60, redisUrl: undefined });
  assert.deepEqual(resolveServeConfig({ lockoutThreshold: '5', lockoutDuration: '120', redis: 'redis://cache:6379' }).lockout, {
    threshold: 5, durationSeconds: 120, redisUrl: 'redis://cache:6379',
  });
  assert.throws(() => resolveServeConfig({ lockoutThreshold: '-1', lockoutDuration: '0' }), (error: unknown) => {
    assert.ok(error instanceof ConfigError);
    assert.equal(error.problems.length, 2, error.message);
    assert.match(error.message, /--lockout-threshold \(PCAPI_LOCKOUT_THRESHOLD\): "-1"/);
    assert.match(error.message, /--lockout-duration \(PCAPI_LOCKOUT_DURATION\): "0"/);
    return true;
  });
});
