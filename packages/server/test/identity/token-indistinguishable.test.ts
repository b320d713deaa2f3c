/**
 * An unknown client or user and a wrong secret or password must look the same from outside: the same
 * body (apart from the ids and timestamps every error carries) and the same time, so that neither the
 * answer nor a stopwatch tells an attacker which names exist.
 */
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { test } from 'node:test';
import { buildInjectApp, DEMO, type InjectApp } from '../helpers/inject-app.js';

const PC = 'https://api.partnercenter.microsoft.com';
const UNKNOWN_CLIENT = '0badc0de-1111-4222-8333-444455556666';
const SAMPLES = 12;
/** Generous: scrypt dominates both paths when the work is equal (ratio ≈ 1); skipping it made it ≈ 10. */
const MAX_MEDIAN_RATIO = 2;

type Form = Record<string, string>;

const appForm = (extra: Form = {}): Form => ({ grant_type: 'client_credentials', client_id: DEMO.fabrikamAutomation, client_secret: DEMO.secret, scope: `${PC}/.default`, ...extra });
const userForm = (extra: Form = {}): Form => ({
  grant_type: 'password', client_id: DEMO.fabrikamAutomation, username: 'admin@fabrikam.example', password: DEMO.secret, scope: `${PC}/user_impersonation`, ...extra,
});

async function post(pcapi: InjectApp, form: Form) {
  const response = await pcapi.inject({
    method: 'POST', url: `/${DEMO.fabrikam}/oauth2/v2.0/token`,
    headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams(form).toString(),
  });
  return { status: response.statusCode, body: JSON.parse(response.body) as Record<string, unknown> };
}

/**
 * The body without what differs on every error anyway (trace and correlation ids, timestamps) and
 * without the caller's own client id, which the description echoes back to it.
 */
function comparable(body: Record<string, unknown>, form: Form) {
  const { trace_id: _trace, correlation_id: _correlation, timestamp: _timestamp, ...rest } = body;
  const description = String(rest.error_description).replace(/\r\nTrace ID: [^]*$/, '').replaceAll(form.client_id!, '<client_id>');
  return { ...rest, error_description: description };
}

async function assertSameAnswer(pcapi: InjectApp, unknown: Form, wrong: Form, expected: { status: number; error: string; code: number }) {
  const a = await post(pcapi, unknown);
  const b = await post(pcapi, wrong);
  assert.equal(a.status, expected.status, JSON.stringify(a.body));
  assert.equal(a.body.error, expected.error);
  assert.deepEqual(a.body.error_codes, [expected.code]);
  assert.equal(b.status, a.status);
  assert.deepEqual(comparable(b.body, wrong), comparable(a.body, unknown));
}

const median = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)]!;

/** Interleaved samples, so load from other processes hits both sides alike; returns the medians in ms. */
async function timePair(pcapi: InjectApp, unknown: Form, wrong: Form) {
  const times = { unknown: [] as number[], wrong: [] as number[] };
  const timeOne = async (form: Form) => {
    const start = performance.now();
    await post(pcapi, form);
    return performance.now() - start;
  };
  for (let i = 0; i < 3; i++) await Promise.all([timeOne(unknown), timeOne(wrong)]); // warm up both paths
  for (let i = 0; i < SAMPLES; i++) {
    times.unknown.push(await timeOne(unknown));
    times.wrong.push(await timeOne(wrong));
  }
  return { unknownMs: median(times.unknown), wrongMs: median(times.wrong) };
}

function assertSimilarTime(label: string, medians: { unknownMs: number; wrongMs: number }) {
  const ratio = Math.max(medians.unknownMs, medians.wrongMs) / Math.min(medians.unknownMs, medians.wrongMs);
  const figures = `${label}: unknown ${medians.unknownMs.toFixed(1)} ms, wrong ${medians.wrongMs.toFixed(1)} ms (median of ${SAMPLES}), ratio ${ratio.toFixed(2)}`;
  console.log(`# ${figures}`);
  assert.ok(ratio <= MAX_MEDIAN_RATIO, figures);
}

test('client credentials: an unknown client and a wrong secret get one body and take the same time', async (t) => {
  // Lockout off: this test is about the answer and its timing, not about counting failures.
  const pcapi = await buildInjectApp(t, { lockoutThreshold: '0' });
  const unknown = appForm({ client_id: UNKNOWN_CLIENT, client_secret: 'guess' });
  const wrong = appForm({ client_secret: 'guess' });
  await assertSameAnswer(pcapi, unknown, wrong, { status: 401, error: 'invalid_client', code: 7000215 });
  assertSimilarTime('client_credentials', await timePair(pcapi, unknown, wrong));
});

test('password grant: an unknown user and a wrong password get one body and take the same time', async (t) => {
  const pcapi = await buildInjectApp(t, { lockoutThreshold: '0' });
  const unknown = userForm({ username: 'ghost@fabrikam.example', password: 'guess' });
  const wrong = userForm({ password: 'guess' });
  await assertSameAnswer(pcapi, unknown, wrong, { status: 400, error: 'invalid_grant', code: 50126 });
  assertSimilarTime('password', await timePair(pcapi, unknown, wrong));
});

test('password grant with a client secret: an unknown app and a wrong secret get one body and take the same time', async (t) => {
  const pcapi = await buildInjectApp(t, { lockoutThreshold: '0' });
  const unknown = userForm({ client_id: UNKNOWN_CLIENT, client_secret: 'guess' });
  const wrong = userForm({ client_secret: 'guess' });
  await assertSameAnswer(pcapi, unknown, wrong, { status: 401, error: 'invalid_client', code: 7000215 });
  assertSimilarTime('password + client_secret', await timePair(pcapi, unknown, wrong));
});

test('password grant without a client secret: an unknown app reveals nothing before the user is authenticated', async (t) => {
  const pcapi = await buildInjectApp(t, { lockoutThreshold: '0' });
  // A wrong password answers the same whether the app exists or not ...
  await assertSameAnswer(pcapi, userForm({ client_id: UNKNOWN_CLIENT, password: 'guess' }), userForm({ password: 'guess' }), { status: 400, error: 'invalid_grant', code: 50126 });
  // ... and only a signed-in user learns that the app does not exist in the tenant (Entra's 700016).
  const signedIn = await post(pcapi, userForm({ client_id: UNKNOWN_CLIENT }));
  assert.equal(signedIn.status, 400, JSON.stringify(signedIn.body));
  assert.equal(signedIn.body.error, 'unauthorized_client');
  assert.deepEqual(signedIn.body.error_codes, [700016]);
});
