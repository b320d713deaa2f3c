/**
 * Retries through a real node:http proxy in front of a real pcapi: the proxy answers the first
 * requests with faults and records every attempt, so the tests see attempts, their spacing and their
 * headers as the wire saw them.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { isPartnerCenterError, isRequestSendError, PartnerCenterClient, StaticTokenCredential, type RetryOptions } from '../src/index.js';
import { closedPort, CONTOSO, DEMO, startFaultProxy, startTestServer, throttled, type Fault, type FaultProxy, type RecordedAttempt } from './helpers/pcapi.js';

/** Timers may fire a little early relative to another process's clock; allow 50 ms. */
const SLACK_MS = 50;

async function setUp(t: TestContext, fault: (n: number, attempt: RecordedAttempt) => Fault | undefined, retryOptions?: RetryOptions) {
  const pcapi = await startTestServer(t);
  const proxy = await startFaultProxy(t, pcapi.url, fault);
  const client = new PartnerCenterClient(proxy.url, new StaticTokenCredential(await pcapi.tokenFor(DEMO.fabrikamAutomation)), {
    allowInsecureConnection: true,
    ...(retryOptions ? { retryOptions } : {}),
  });
  return { pcapi, proxy, client };
}

function gaps(attempts: RecordedAttempt[]): number[] {
  return attempts.slice(1).map((attempt, i) => attempt.at - attempts[i]!.at);
}

function assertOneRequestId(attempts: RecordedAttempt[]): void {
  const ids = new Set(attempts.map((a) => a.headers['ms-requestid']));
  assert.equal(ids.size, 1, `the same MS-RequestId on every attempt: ${[...ids].join(', ')}`);
  const correlationIds = new Set(attempts.map((a) => a.headers['ms-correlationid']));
  assert.equal(correlationIds.size, 1, 'and the same MS-CorrelationId');
}

test('429 with Retry-After: 1 (the gateway body) is retried after a second, with the same MS-RequestId, until 200', async (t) => {
  const { proxy, client } = await setUp(t, (n) => (n <= 2 ? throttled(1) : undefined));
  const organizations = await client.getCustomerOrganization(CONTOSO);
  assert.equal(organizations[0]?.displayName, 'Contoso');
  const attempts = proxy.apiAttempts();
  assert.equal(attempts.length, 3);
  for (const gap of gaps(attempts)) assert.ok(gap >= 1000 - SLACK_MS, `waited ${gap.toFixed(0)} ms, Retry-After asked 1000`);
  assertOneRequestId(attempts);
});

test('503 with an HTTP-date Retry-After is retried no earlier than that date', async (t) => {
  let retryAt = 0;
  let retriedAt = 0;
  const { proxy, client } = await setUp(t, (n) => {
    if (n > 1) {
      retriedAt = Date.now();
      return undefined;
    }
    // HTTP dates have whole seconds: two seconds ahead is at least one second away.
    retryAt = (Math.floor(Date.now() / 1000) + 2) * 1000;
    return { status: 503, headers: { 'retry-after': new Date(retryAt).toUTCString() }, body: '' };
  });
  const organizations = await client.getCustomerOrganization(CONTOSO);
  assert.equal(organizations[0]?.displayName, 'Contoso');
  const attempts = proxy.apiAttempts();
  assert.equal(attempts.length, 2);
  // Judged by the wall clock, as the date is: a step of the machine's clock between the two attempts
  // (seen on a freshly started VM) shortens the wait on a monotonic clock, not this.
  assert.ok(retriedAt >= retryAt - SLACK_MS, `retried ${retryAt - retriedAt} ms before the date`);
  assertOneRequestId(attempts);
});

test('429 on every attempt: after maxRetries the call fails with a PartnerCenterError 429 carrying retryAfterInMs', async (t) => {
  const { proxy, client } = await setUp(t, () => throttled(1), { maxRetries: 1 });
  const error = await client.getCustomerOrganization(CONTOSO).catch((e: unknown) => e);
  assert.ok(isPartnerCenterError(error), String(error));
  assert.equal(error.statusCode, 429);
  assert.equal(error.code, 429);
  assert.equal(error.description, 'Rate limit is exceeded. Try again in 1 seconds.');
  assert.equal(error.retryAfterInMs, 1000);
  assert.equal(error.requestId, proxy.apiAttempts()[0]?.headers['ms-requestid'], 'ids fall back to the ones sent');
  assert.equal(proxy.apiAttempts().length, 2, '1 attempt + maxRetries 1');
});

test('a Retry-After longer than maxRetryDelayInMs is not waited out: the 429 comes back at once', async (t) => {
  const { proxy, client } = await setUp(t, () => throttled(120), { maxRetryDelayInMs: 5000 });
  const started = performance.now();
  const error = await client.getCustomerOrganization(CONTOSO).catch((e: unknown) => e);
  assert.ok(isPartnerCenterError(error) && error.statusCode === 429 && error.retryAfterInMs === 120_000);
  assert.ok(performance.now() - started < 1000);
  assert.equal(proxy.apiAttempts().length, 1);
});

test('500 is retried with exponential backoff and jitter', async (t) => {
  const internal = { status: 500, body: JSON.stringify({ code: 800003, description: 'An unexpected error occurred.', data: [], source: 'PartnerFD' }) };
  const { proxy, client } = await setUp(t, (n) => (n <= 2 ? internal : undefined), { retryDelayInMs: 100 });
  await client.getCustomerOrganization(CONTOSO);
  const attempts = proxy.apiAttempts();
  assert.equal(attempts.length, 3);
  const [first, second] = gaps(attempts);
  // Equal jitter: retry k waits between half and all of retryDelayInMs * 2^k.
  assert.ok(first! >= 50 - SLACK_MS && first! < 100 + 200, `first wait ${first}`);
  assert.ok(second! >= 100 - SLACK_MS && second! < 200 + 200, `second wait ${second}`);
  assertOneRequestId(attempts);
});

test('500 on every attempt ends with the PartnerCenterError of the last answer', async (t) => {
  const internal = { status: 500, body: JSON.stringify({ code: 800003, description: 'An unexpected error occurred.', data: [], source: 'PartnerFD' }) };
  const { proxy, client } = await setUp(t, () => internal, { maxRetries: 2, retryDelayInMs: 10 });
  const error = await client.getCustomerOrganization(CONTOSO).catch((e: unknown) => e);
  assert.ok(isPartnerCenterError(error) && error.statusCode === 500 && error.code === 800003, String(error));
  assert.equal(proxy.apiAttempts().length, 3);
});

for (const status of [400, 401, 403, 404, 409, 501]) {
  test(`${status} is never retried`, async (t) => {
    const { proxy, client } = await setUp(t, () => ({ status, body: JSON.stringify({ code: 1, description: 'no', data: [], source: 'PartnerFD' }) }));
    const error = await client.getCustomerOrganization(CONTOSO).catch((e: unknown) => e);
    assert.ok(isPartnerCenterError(error) && error.statusCode === status);
    assert.equal(proxy.apiAttempts().length, 1);
  });
}

test('a dropped connection is retried, with the same MS-RequestId', async (t) => {
  const { proxy, client } = await setUp(t, (n) => (n <= 2 ? 'drop-connection' : undefined), { retryDelayInMs: 20 });
  const organizations = await client.getCustomerOrganization(CONTOSO);
  assert.equal(organizations[0]?.displayName, 'Contoso');
  assert.equal(proxy.apiAttempts().length, 3);
  assertOneRequestId(proxy.apiAttempts());
});

test('connection refused: retried maxRetries times, then a RequestSendError naming the URL and ECONNREFUSED', async (t) => {
  const pcapi = await startTestServer(t);
  const port = await closedPort();
  const client = new PartnerCenterClient(`http://127.0.0.1:${port}`, new StaticTokenCredential(await pcapi.tokenFor(DEMO.fabrikamAutomation)), {
    allowInsecureConnection: true,
    retryOptions: { maxRetries: 2, retryDelayInMs: 100 },
  });
  const started = performance.now();
  const error = await client.getCustomerOrganization(CONTOSO).catch((e: unknown) => e);
  const elapsed = performance.now() - started;
  assert.ok(isRequestSendError(error), String(error));
  assert.equal(error.attempts, 3);
  assert.equal(error.errorCode, 'ECONNREFUSED');
  assert.match(error.message, new RegExp(`^Could not send GET http://127\\.0\\.0\\.1:${port}/v1/customers/${CONTOSO}/organization \\(3 attempts\\): .*ECONNREFUSED`));
  // Two backoffs: at least 50 + 100 ms.
  assert.ok(elapsed >= 150 - SLACK_MS, `backed off between attempts (${elapsed.toFixed(0)} ms)`);
});

/** Starts a call, aborts it `settleMs` after its first attempt reached the proxy; the error, and how long after the abort it came. */
async function abortAfterFirstAttempt(proxy: FaultProxy, client: PartnerCenterClient, settleMs: number): Promise<{ error: unknown; took: number }> {
  const controller = new AbortController();
  const call = client.getCustomerOrganization(CONTOSO, { abortSignal: controller.signal });
  while (proxy.apiAttempts().length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
  if (settleMs > 0) await new Promise((resolve) => setTimeout(resolve, settleMs));
  const abortedAt = performance.now();
  controller.abort();
  const error = await call.catch((e: unknown) => e);
  return { error, took: performance.now() - abortedAt };
}

test('aborting during a Retry-After wait rejects within 200 ms with an AbortError', async (t) => {
  const { proxy, client } = await setUp(t, () => throttled(30));
  // Abort once the first 429 has been answered and the client is waiting out its 30 s.
  const { error, took } = await abortAfterFirstAttempt(proxy, client, 200);
  assert.equal((error as Error).name, 'AbortError');
  assert.ok(took < 200, `rejected ${took.toFixed(0)} ms after abort`);
  assert.equal(proxy.apiAttempts().length, 1);
});

test('an attempt with no answer within tryTimeoutInMs is cut and retried, with the same MS-RequestId, until 200', { timeout: 20_000 }, async (t) => {
  const { proxy, client } = await setUp(t, (n) => (n === 1 ? 'no-answer' : n === 2 ? 'stalled-body' : undefined), { tryTimeoutInMs: 300, retryDelayInMs: 20 });
  const organizations = await client.getCustomerOrganization(CONTOSO);
  assert.equal(organizations[0]?.displayName, 'Contoso');
  assert.equal(proxy.apiAttempts().length, 3);
  for (const gap of gaps(proxy.apiAttempts())) assert.ok(gap >= 300 - SLACK_MS, `the attempt was given its ${300} ms (${gap.toFixed(0)})`);
  assertOneRequestId(proxy.apiAttempts());
});

test('a server that never answers: after maxRetries a RequestSendError with ETIMEDOUT naming the timeout, not a call held forever', { timeout: 20_000 }, async (t) => {
  const { proxy, client } = await setUp(t, () => 'no-answer', { tryTimeoutInMs: 200, maxRetries: 1, retryDelayInMs: 20 });
  const started = performance.now();
  const error = await client.getCustomerOrganization(CONTOSO).catch((e: unknown) => e);
  const took = performance.now() - started;
  assert.ok(isRequestSendError(error), String(error));
  assert.equal(error.attempts, 2);
  assert.equal(error.errorCode, 'ETIMEDOUT');
  assert.match(error.message, /\(2 attempts\): .*no complete answer within 200 ms \(retryOptions\.tryTimeoutInMs\)/);
  assert.equal(proxy.apiAttempts().length, 2);
  assert.ok(took >= 400 - SLACK_MS && took < 5_000, `two attempts of 200 ms (${took.toFixed(0)} ms)`);
});

test('aborting a call whose attempt is waiting for an answer rejects at once with an AbortError, not retried', { timeout: 20_000 }, async (t) => {
  const { proxy, client } = await setUp(t, () => 'no-answer', { tryTimeoutInMs: 10_000 });
  const { error, took } = await abortAfterFirstAttempt(proxy, client, 0);
  assert.equal((error as Error).name, 'AbortError');
  assert.ok(took < 200);
  assert.equal(proxy.apiAttempts().length, 1);
});

test('an already aborted signal sends nothing', async (t) => {
  const { proxy, client } = await setUp(t, () => undefined);
  const error = await client.getCustomerOrganization(CONTOSO, { abortSignal: AbortSignal.abort() }).catch((e: unknown) => e);
  assert.equal((error as Error).name, 'AbortError');
  assert.equal(proxy.apiAttempts().length, 0);
});

test('maxRetries 0 turns retries off', async (t) => {
  const { proxy, client } = await setUp(t, () => throttled(1), { maxRetries: 0 });
  const error = await client.getCustomerOrganization(CONTOSO).catch((e: unknown) => e);
  assert.ok(isPartnerCenterError(error) && error.statusCode === 429);
  assert.equal(proxy.apiAttempts().length, 1);
});

test('faults injected through pcapi\'s emulator endpoints (503, then 429) are retried by the client until 200', async (t) => {
  const pcapi = await startTestServer(t, { emulator: 'true' });
  const route = 'GET /v1/customers/*/organization';
  const add = (rule: Record<string, unknown>) =>
    fetch(`${pcapi.url}/_pcapi/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(rule) });
  assert.equal((await add({ route, status: 503, retryAfterSeconds: 0, count: 2 })).status, 201);
  assert.equal((await add({ route, status: 429, retryAfterSeconds: 1, count: 1 })).status, 201);
  const client = new PartnerCenterClient(pcapi.url, new StaticTokenCredential(await pcapi.tokenFor(DEMO.fabrikamAutomation)), { allowInsecureConnection: true });
  const started = performance.now();
  const organizations = await client.getCustomerOrganization(CONTOSO);
  assert.equal(organizations[0]?.displayName, 'Contoso');
  assert.ok(performance.now() - started >= 1000 - SLACK_MS, 'the 429 asked for a second and got it');
  const left = (await (await fetch(`${pcapi.url}/_pcapi/faults`)).json()) as { value: unknown[] };
  assert.deepEqual(left.value, [], 'all three injected answers were used: three attempts failed, the fourth succeeded');
});
