/**
 * The repeat-call lane (repeat-call-lane.ts) against the routed path, over real sockets: two listening
 * apps on the same demo data, the signing key and the clock, one with the lane and one without, get
 * the same calls. Every repeated call must come back identical — status, header names in order,
 * header values but the per-call random ids, body — and leave the same audit events, metrics and log
 * lines; and the lane must have answered the repeats (its count), while every call it must not take
 * (first calls, other methods and spellings, bodies, fault rules) was routed.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { describe, test, type TestContext } from 'node:test';
import pino from 'pino';
import { readFileSync } from 'node:fs';
import { EmulatedClock, ManualClock } from '../../src/clock.js';
import { DEMO_SEED_FILE, importSeedDocument } from '../../src/seed/import-seed.js';
import { parseSeedText } from '../../src/seed/validate-seed.js';
import { Metrics } from '../../src/metrics.js';
import { buildInjectApp, DEMO, TEST_EPOCH, type InjectApp } from '../helpers/inject-app.js';
import { connectRedis, deleteKeysAndQuit, REDIS_URL } from '../helpers/redis.js';

type Seed = { partners: { customers?: { tenantId: string; gdapRelationships?: Record<string, unknown>[] }[] }[] };

interface Answer {
  status: number;
  /** Header names in the order they were sent, and their values ('*' where each call draws its own). */
  headers: string[];
  body: string;
}

/** Headers whose value each call draws anew unless the caller gave one (and Date, which moves). */
const DRAWN = new Set(['ms-requestid', 'ms-correlationid', 'ms-cv', 'date']);

function call(base: string, path: string, headers: Record<string, string>, method = 'GET', body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(`${base}${path}`, { method, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const raw = response.rawHeaders;
        const pairs: string[] = [];
        for (let index = 0; index < raw.length; index += 2) {
          const name = raw[index]!.toLowerCase();
          const given = headers[name] !== undefined;
          pairs.push(`${name}: ${DRAWN.has(name) && !given ? '*' : raw[index + 1]}`);
        }
        resolve({ status: response.statusCode!, headers: pairs, body: Buffer.concat(chunks).toString() });
      });
    });
    request.on('error', reject);
    request.end(body);
  });
}

interface Pair {
  laned: InjectApp;
  routed: InjectApp;
  laneUrl: string;
  routedUrl: string;
  lines: { laned: Record<string, unknown>[]; routed: Record<string, unknown>[] };
  metrics: { laned: Metrics; routed: Metrics };
  /** The machine time both apps' emulated clocks run on. */
  clock: ManualClock;
}

async function listen(pcapi: InjectApp): Promise<string> {
  await pcapi.app.listen({ port: 0, host: '127.0.0.1' });
  return `http://127.0.0.1:${(pcapi.app.server.address() as AddressInfo).port}`;
}

/** The request lines each app logs (--log-requests), parsed. */
function lineCollector(into: Record<string, unknown>[]) {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line.includes('request answered')) into.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
}

async function appPair(t: TestContext, options: Record<string, string> = {}): Promise<Pair> {
  const lines = { laned: [] as Record<string, unknown>[], routed: [] as Record<string, unknown>[] };
  const clock = new ManualClock(TEST_EPOCH);
  const metrics = { laned: new Metrics(), routed: new Metrics() };
  const build = (lane: boolean) => {
    const logger = pino({ level: 'info' }, lineCollector(lane ? lines.laned : lines.routed));
    return buildInjectApp(t, options, {
      clock: new EmulatedClock(clock), emulator: { adminKey: undefined, seed: undefined },
      audit: { retentionDays: 30, flushIntervalMs: 60_000 }, metrics: lane ? metrics.laned : metrics.routed,
      logger, logRequests: true, repeatCallLane: lane,
    });
  };
  const laned = await build(true);
  const routed = await build(false);
  return { laned, routed, laneUrl: await listen(laned), routedUrl: await listen(routed), lines, metrics, clock };
}

/** What the audit trail holds of the Partner Center calls, without the per-call ids and times. */
async function auditOf(pcapi: InjectApp): Promise<unknown[]> {
  const response = await pcapi.fetch('/_pcapi/audit?surface=partner-center&limit=500');
  const events = ((await response.json()) as { value: Record<string, unknown>[] }).value;
  return events.map(({ id: _id, at: _at, requestId: _requestId, correlationId, ...event }) => ({ ...event, correlationGiven: correlationId === GIVEN_CORRELATION }));
}

/** The metric samples a call moves (not the latency buckets: times differ), as text. */
async function countedOf(metrics: Metrics): Promise<string[]> {
  const text = await metrics.registry.metrics();
  return text.split('\n').filter((line) => /^pcapi_(http_requests_total|authorization_decisions_total|cache_lookups_total|throttled_total|http_request_duration_seconds_count)\{/.test(line)).sort();
}

const GIVEN_REQUEST_ID = randomUUID();
const GIVEN_CORRELATION = randomUUID();

describe('the repeat-call lane answers as the routed path does', () => {
  test('allowed, denied and unknown customers; users and apps; given and drawn ids: the same answers, trail, metrics and log lines', async (t) => {
    const pair = await appPair(t);
    const admin = await pair.laned.tokenFor('admin@fabrikam.example');
    const sales = await pair.laned.tokenFor('sales@fabrikam.example');
    const app = await pair.laned.tokenFor(DEMO.fabrikamAutomation);
    const adatum = await pair.laned.tokenFor('admin@adatum.example');
    const cases: { label: string; token: string; customer: string; headers?: Record<string, string>; cached?: boolean }[] = [
      { label: 'admin, Contoso (allowed)', token: admin, customer: DEMO.contoso },
      { label: 'admin, Tailspin (expired relationship)', token: admin, customer: DEMO.tailspin },
      { label: 'sales, Contoso', token: sales, customer: DEMO.contoso },
      { label: 'app, Northwind', token: app, customer: DEMO.northwind },
      { label: 'app, Woodgrove', token: app, customer: DEMO.woodgrove },
      { label: 'Adatum, Fabrikam\'s Contoso', token: adatum, customer: DEMO.contoso },
      { label: 'admin, a customer nobody has', token: admin, customer: '0f0e0d0c-0b0a-4908-8706-050403020100' },
      // Cached already: the answer cache keys the customer in lower case (and so for the ids given below).
      { label: 'admin, Contoso in capitals', token: admin, customer: DEMO.contoso.toUpperCase(), cached: true },
      {
        label: 'admin, Contoso, ids given', token: admin, customer: DEMO.contoso, cached: true,
        headers: { 'ms-requestid': GIVEN_REQUEST_ID, 'ms-correlationid': GIVEN_CORRELATION, 'ms-cv': 'AbCdEfGhIjKlMnOp.1' },
      },
    ];
    const statuses = new Set<number>();
    for (const { label, token, customer, headers = {}, cached = false } of cases) {
      const path = `/v1/customers/${customer}/organization`;
      const sent = { authorization: `Bearer ${token}`, accept: 'application/json', ...headers };
      const before = pair.laned.repeatCalls.answered;
      // The first call decides (routed on both); the second is the repeat.
      for (const base of [pair.laneUrl, pair.routedUrl]) await call(base, path, sent);
      assert.equal(pair.laned.repeatCalls.answered, before + (cached ? 1 : 0), `${label}: a first call is routed unless its answer is cached`);
      const laned = await call(pair.laneUrl, path, sent);
      const routed = await call(pair.routedUrl, path, sent);
      assert.equal(pair.laned.repeatCalls.answered, before + (cached ? 2 : 1), `${label}: the repeat took the lane`);
      assert.deepEqual(laned, routed, label);
      statuses.add(laned.status);
    }
    assert.deepEqual([...statuses].sort(), [200, 403, 404], 'the cases cover allowed, denied and not found');
    assert.equal(pair.routed.repeatCalls.answered, 0);
    assert.deepEqual(await auditOf(pair.laned), await auditOf(pair.routed), 'the same audit events');
    assert.deepEqual(await countedOf(pair.metrics.laned), await countedOf(pair.metrics.routed), 'the same counts');
    const strip = ({ time: _time, ms: _ms, requestId, correlationId, pid: _pid, hostname: _hostname, ...line }: Record<string, unknown>) =>
      ({ ...line, given: requestId === GIVEN_REQUEST_ID && correlationId === GIVEN_CORRELATION });
    assert.deepEqual(pair.lines.laned.map(strip), pair.lines.routed.map(strip), 'the same request lines');
    assert.equal(pair.lines.laned.filter((line) => String(line.path).startsWith('/v1/')).length, cases.length * 2, 'a line for each call');
  });

  test('with explanations off, and over a throttle limit: the same 403 and 429 answers', async (t) => {
    const pair = await appPair(t, { explainDenials: 'false', throttleTenantCustomer: '3/60' });
    const admin = await pair.laned.tokenFor('admin@fabrikam.example');
    const sent = { authorization: `Bearer ${admin}` };
    for (const customer of [DEMO.tailspin, DEMO.contoso]) {
      const path = `/v1/customers/${customer}/organization`;
      const answers: [Answer, Answer][] = [];
      for (let index = 0; index < 4; index++) answers.push([await call(pair.laneUrl, path, sent), await call(pair.routedUrl, path, sent)]);
      for (const [index, [laned, routed]] of answers.entries()) assert.deepEqual(laned, routed, `${customer} call ${index + 1}`);
      assert.equal(answers[3]![0].status, 429, 'the fourth call is over the limit');
      assert.ok(answers[3]![0].headers.some((header) => header.startsWith('retry-after: ')));
    }
    assert.equal(pair.laned.repeatCalls.answered, 6, 'calls 2 to 4 of each customer took the lane');
    assert.deepEqual(await auditOf(pair.laned), await auditOf(pair.routed));
    assert.deepEqual(await countedOf(pair.metrics.laned), await countedOf(pair.metrics.routed));
  });

  test('what the lane must not take is routed, and answered as before', async (t) => {
    const pair = await appPair(t);
    const admin = await pair.laned.tokenFor('admin@fabrikam.example');
    const nomfa = await pair.laned.tokenFor('nomfa@fabrikam.example', { mfa: false });
    const graph = await pair.laned.tokenFor('admin@fabrikam.example', { audience: 'https://graph.microsoft.com' });
    const path = `/v1/customers/${DEMO.contoso}/organization`;
    const sent = { authorization: `Bearer ${admin}` };
    // Remembered token and answer, for every variant below.
    await call(pair.laneUrl, path, sent);
    const variants: { label: string; path?: string; method?: string; headers?: Record<string, string>; body?: string }[] = [
      { label: 'HEAD', method: 'HEAD' },
      { label: 'a query string', path: `${path}?x=1` },
      { label: 'a trailing slash', path: `${path}/` },
      { label: 'the path in capitals', path: path.toUpperCase() },
      { label: 'a body', method: 'GET', headers: { 'content-type': 'application/json' }, body: '{}' },
      { label: 'a token without MFA', headers: { authorization: `Bearer ${nomfa}` } },
      { label: 'a Graph token', headers: { authorization: `Bearer ${graph}` } },
      { label: 'POST', method: 'POST' },
    ];
    for (const { label, path: target = path, method = 'GET', headers = {}, body } of variants) {
      const all = { ...sent, ...headers };
      for (const base of [pair.laneUrl, pair.routedUrl]) await call(base, target, all, method, body);
      const before = pair.laned.repeatCalls.answered;
      const laned = await call(pair.laneUrl, target, all, method, body);
      assert.equal(pair.laned.repeatCalls.answered, before, `${label}: routed`);
      assert.deepEqual(laned, await call(pair.routedUrl, target, all, method, body), label);
    }
    // A fault rule on any route: every call is routed, so the rule sees it.
    const rule = await pair.laned.fetch('/_pcapi/faults', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ route: 'GET /nothing/here', status: 503 }) });
    assert.equal(rule.status, 201, await rule.clone().text());
    const before = pair.laned.repeatCalls.answered;
    assert.equal((await call(pair.laneUrl, path, sent)).status, 200);
    assert.equal(pair.laned.repeatCalls.answered, before, 'routed while a fault rule is set');
    await pair.laned.fetch('/_pcapi/faults', { method: 'DELETE' });
    assert.equal((await call(pair.laneUrl, path, sent)).status, 200);
    assert.equal(pair.laned.repeatCalls.answered, before + 1, 'the lane again once the rules are gone');
  });

  test('a defect in the lane is answered as the routed path answers it, and the server goes on', async (t) => {
    const metrics = new Metrics();
    const pcapi = await buildInjectApp(t, {}, { metrics });
    const url = await listen(pcapi);
    const sent = { authorization: `Bearer ${await pcapi.tokenFor(DEMO.fabrikamAutomation)}` };
    const path = `/v1/customers/${DEMO.contoso}/organization`;
    assert.equal((await call(url, path, sent)).status, 200);
    // A step both paths take fails from now on.
    const labels = metrics.authorization.labels.bind(metrics.authorization);
    metrics.authorization.labels = () => {
      throw new Error('a defect');
    };
    for (let index = 0; index < 2; index++) {
      const answer = await call(url, path, sent);
      assert.equal(answer.status, 500, 'the catalog\'s internal error');
      assert.equal((JSON.parse(answer.body) as { code: number }).code, 800003);
    }
    assert.equal(pcapi.repeatCalls.answered, 0, 'the lane gave the calls up');
    metrics.authorization.labels = labels;
    assert.equal((await call(url, path, sent)).status, 200);
    assert.equal(pcapi.repeatCalls.answered, 1, 'and takes the next one');
  });

  test('limits counted in Redis answer asynchronously: those calls are routed, and counted there', async (t) => {
    const keyPrefix = `pcapi-test-lane-${randomUUID()}:`;
    const redis = await connectRedis();
    t.after(() => deleteKeysAndQuit(redis, keyPrefix));
    const pcapi = await buildInjectApp(t, {}, {
      throttle: { redisUrl: REDIS_URL, keyPrefix, tenantLimit: { requests: 100, perSeconds: 60 }, tenantCustomerLimit: { requests: 0, perSeconds: 1 } },
    });
    const url = await listen(pcapi);
    const sent = { authorization: `Bearer ${await pcapi.tokenFor(DEMO.fabrikamAutomation)}` };
    for (let index = 0; index < 3; index++) assert.equal((await call(url, `/v1/customers/${DEMO.contoso}/organization`, sent)).status, 200);
    assert.equal(pcapi.repeatCalls.answered, 0, 'every call routed');
    assert.equal((await redis.keys(`${keyPrefix}*`)).length, 1, 'the partner tenant\'s budget is kept in Redis');
  });

  test('a data change, or the granting relationship\'s end, is seen on the next call: the lane answers only from a live cache entry', async (t) => {
    const pair = await appPair(t);
    const token = await pair.laned.tokenFor(DEMO.fabrikamAutomation, { lifetimeSeconds: 86_400 });
    const path = `/v1/customers/${DEMO.contoso}/organization`;
    const sent = { authorization: `Bearer ${token}` };
    const answered = () => pair.laned.repeatCalls.answered;
    assert.equal((await call(pair.laneUrl, path, sent)).status, 200);
    assert.equal((await call(pair.laneUrl, path, sent)).status, 200);
    assert.equal(answered(), 1);
    // An import (a data change) ends Contoso's relationship 1.5 s from now.
    const seed = JSON.parse(readFileSync(DEMO_SEED_FILE, 'utf8')) as Seed;
    const end = pair.clock.now() + 1500;
    const relationship = seed.partners[0]!.customers!.find((customer) => customer.tenantId === DEMO.contoso)!.gdapRelationships![0]!;
    Object.assign(relationship, { endDateTime: new Date(end).toISOString(), autoExtendDuration: 'PT0S' });
    await importSeedDocument(pair.laned.store, parseSeedText(JSON.stringify(seed), 'ending.json'), 'ending.json', new Date(pair.clock.now()));
    assert.equal((await call(pair.laneUrl, path, sent)).status, 200);
    assert.equal(answered(), 1, 'decided again after the change (routed)');
    assert.equal((await call(pair.laneUrl, path, sent)).status, 200);
    assert.equal(answered(), 2, 'the new decision is cached');
    pair.clock.set(end);
    const expired = await call(pair.laneUrl, path, sent);
    assert.equal(expired.status, 403);
    assert.match(expired.body, /expired on/);
    assert.equal(answered(), 2, 'the answer ended with the relationship: decided again (routed)');
  });
});
