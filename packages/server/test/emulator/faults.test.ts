/** Fault injection: route patterns, count and fraction rules, rule order, management, validation, and the delay helper. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../../src/clock.js';
import {
  FaultInjector, MAX_FAULT_RULES, parseFaultSpec, waitFor, type NormalizedFaultSpec,
} from '../../src/surfaces/emulator/faults.js';

const T0 = Date.parse('2026-06-01T00:00:00Z');

/** An injector with sequential ids and, optionally, a scripted random source. */
function injector(random?: () => number) {
  let next = 0;
  const clock = new ManualClock(T0);
  return { clock, faults: new FaultInjector({ clock, newId: () => `rule-${++next}`, ...(random ? { random } : {}) }) };
}

/** Parses a body that must be valid. */
function spec(body: Record<string, unknown>): NormalizedFaultSpec {
  const parsed = parseFaultSpec(body);
  assert.ok('spec' in parsed, `expected a valid spec, got ${JSON.stringify(parsed)}`);
  return parsed.spec;
}

test('route patterns: method, one-segment *, trailing /**, case, query string', () => {
  const table: [route: string, method: string, path: string, matches: boolean][] = [
    ['*', 'GET', '/v1/customers/abc/organization', true],
    ['*', 'DELETE', '/anything/at/all', true],
    ['GET /v1/customers/*/organization', 'GET', '/v1/customers/abc/organization', true],
    ['GET /v1/customers/*/organization', 'get', '/v1/customers/abc/organization', true],
    ['GET /v1/customers/*/organization', 'POST', '/v1/customers/abc/organization', false],
    ['GET /v1/customers/*/organization', 'GET', '/v1/customers/a/b/organization', false],
    ['GET /v1/customers/*/organization', 'GET', '/v1/customers//organization', false],
    ['GET /v1/customers/*/organization', 'GET', '/V1/Customers/ABC/Organization', true],
    ['GET /v1/customers/*/organization', 'GET', '/v1/customers/abc/organization?x=1&y=2', true],
    ['GET /v1/customers/*/organization', 'GET', '/v1/customers/abc', false],
    ['/v1/customers/*/organization', 'PATCH', '/v1/customers/abc/organization', true],
    ['get /V1/Customers', 'GET', '/v1/customers', true],
    ['/v1.0/**', 'GET', '/v1.0/users/u1/memberOf', true],
    ['/v1.0/**', 'GET', '/v1.0', true],
    ['/v1.0/**', 'GET', '/v1.0?$top=5', true],
    ['/v1.0/**', 'GET', '/beta/users', false],
    ['/v1.0/**', 'GET', '/v1.01/users', false],
    ['/**', 'GET', '/v1/customers', true],
    ['POST /*/oauth2/v2.0/token', 'POST', '/contoso.onmicrosoft.com/oauth2/v2.0/token', true],
    ['POST /*/oauth2/v2.0/token', 'GET', '/contoso.onmicrosoft.com/oauth2/v2.0/token', false],
    ['*', 'GET', '/_pcapi/faults', false],
    ['/**', 'DELETE', '/_PCAPI/faults/rule-1', false],
    ['/_pcapi/**', 'GET', '/_pcapi/health', false],
  ];
  for (const [route, method, path, matches] of table) {
    const { faults } = injector();
    faults.add(spec({ route, status: 500 }));
    assert.equal(faults.take(method, path) !== undefined, matches, `${route} vs ${method} ${path}`);
  }
});

test('routes are normalized for display: method upper-cased, "*" by default', () => {
  assert.equal(spec({ route: '  get /v1/Customers ', status: 500 }).route, 'GET /v1/Customers');
  assert.equal(spec({ status: 500 }).route, '*');
});

test('a count rule serves the next N matching calls, then is spent and disappears', () => {
  const { faults } = injector();
  faults.add(spec({ route: 'GET /v1/customers/*/organization', status: 503, count: 2 }));
  assert.equal(faults.take('GET', '/v1/other'), undefined, 'non-matching calls do not spend it');
  assert.equal(faults.list()[0]!.remaining, 2);
  assert.deepEqual(faults.take('GET', '/v1/customers/a/organization'), { ruleId: 'rule-1', status: 503, retryAfterSeconds: 1 });
  assert.equal(faults.list()[0]!.remaining, 1);
  assert.equal(faults.list()[0]!.matched, 1);
  assert.ok(faults.take('GET', '/v1/customers/b/organization'));
  assert.deepEqual(faults.list(), []);
  assert.equal(faults.take('GET', '/v1/customers/c/organization'), undefined);
});

test('a rule without count or fraction applies to every matching call until removed', () => {
  const { faults } = injector();
  faults.add(spec({ status: 502 }));
  for (let i = 0; i < 5; i += 1) assert.equal(faults.take('GET', `/x/${i}`)?.status, 502);
  assert.equal(faults.list()[0]!.matched, 5);
  assert.equal(faults.list()[0]!.remaining, undefined);
});

test('a fraction rule fires when random() < fraction, calling random once per matching call', () => {
  const draws = [0.1, 0.5, 0.49, 0.99, 0.0];
  let calls = 0;
  const { faults } = injector(() => draws[calls++]!);
  faults.add(spec({ route: '/v1/**', status: 500, fraction: 0.5 }));
  assert.equal(faults.take('GET', '/other'), undefined, 'a non-matching call draws nothing');
  assert.equal(calls, 0);
  const fired = draws.map(() => faults.take('GET', '/v1/customers') !== undefined);
  assert.deepEqual(fired, [true, false, true, false, true]);
  assert.equal(calls, draws.length);
  assert.equal(faults.list()[0]!.matched, 3);
  assert.equal(faults.list()[0]!.fraction, 0.5);
});

test('fraction 1 always fires with the default Math.random', () => {
  const faults = new FaultInjector({ clock: new ManualClock(T0) });
  faults.add(spec({ status: 500, fraction: 1 }));
  for (let i = 0; i < 20; i += 1) assert.ok(faults.take('GET', '/x'));
  assert.match(faults.list()[0]!.id, /^[0-9a-f-]{36}$/, 'default ids are UUIDs');
});

test('the first matching rule wins, in creation order; a fraction miss falls through to later rules', () => {
  const { faults } = injector(() => 0.9);
  faults.add(spec({ route: '/v1/**', status: 500, fraction: 0.5 }));
  faults.add(spec({ route: 'GET /v1/customers', status: 429, retryAfterSeconds: 7, count: 1 }));
  faults.add(spec({ route: '*', delayMs: 250 }));
  assert.deepEqual(faults.take('GET', '/v1/customers'), { ruleId: 'rule-2', status: 429, retryAfterSeconds: 7 });
  assert.deepEqual(faults.take('GET', '/v1/customers'), { ruleId: 'rule-3', delayMs: 250 });
  assert.deepEqual(faults.take('POST', '/v1/customers'), { ruleId: 'rule-3', delayMs: 250 });
});

test('a rule may combine delay with status', () => {
  const { faults } = injector();
  faults.add(spec({ status: 504, delayMs: 100 }));
  assert.deepEqual(faults.take('GET', '/x'), { ruleId: 'rule-1', status: 504, delayMs: 100 });
});

test('list, remove and clear', () => {
  const { faults, clock } = injector();
  const first = faults.add(spec({ route: 'GET /a', status: 500, count: 3 }));
  clock.advance(1000);
  faults.add(spec({ route: '/b/**', delayMs: 10, fraction: 0.25 }));
  assert.deepEqual(first, { id: 'rule-1', route: 'GET /a', status: 500, remaining: 3, createdAt: '2026-06-01T00:00:00.000Z', matched: 0 });
  assert.deepEqual(faults.list(), [
    first,
    { id: 'rule-2', route: '/b/**', delayMs: 10, fraction: 0.25, createdAt: '2026-06-01T00:00:01.000Z', matched: 0 },
  ]);
  faults.list()[0]!.matched = 99;
  assert.equal(faults.list()[0]!.matched, 0, 'list returns copies');
  assert.equal(faults.remove('rule-1'), true);
  assert.equal(faults.remove('rule-1'), false);
  assert.deepEqual(faults.list().map((rule) => rule.id), ['rule-2']);
  faults.add(spec({ status: 500 }));
  assert.equal(faults.clear(), 2);
  assert.equal(faults.clear(), 0);
  assert.deepEqual(faults.list(), []);
});

test(`at most ${MAX_FAULT_RULES} rules; adding beyond throws`, () => {
  const { faults } = injector();
  for (let i = 0; i < MAX_FAULT_RULES; i += 1) faults.add(spec({ status: 500 }));
  assert.throws(() => faults.add(spec({ status: 500 })), /too many fault rules/);
  faults.clear();
  faults.add(spec({ status: 500 }));
});

test('add refuses a malformed route in a hand-built spec', () => {
  const { faults } = injector();
  assert.throws(() => faults.add({ route: 'not a route', status: 500 }), /route must be/);
});

test('validation reports every problem at once, each naming its field', () => {
  const parsed = parseFaultSpec({ status: 404, fraction: 2, colour: 'red' });
  assert.ok('problems' in parsed);
  assert.equal(parsed.problems.length, 3, parsed.problems.join('\n'));
  assert.ok(parsed.problems.some((p) => p.includes('status') && p.includes('404')));
  assert.ok(parsed.problems.some((p) => p.includes('fraction') && p.includes('2')));
  assert.ok(parsed.problems.some((p) => p.includes('colour')));
});

test('validation table', () => {
  const cases: [body: unknown, expected: RegExp[]][] = [
    [null, [/JSON object/]],
    [[{ status: 500 }], [/JSON object/]],
    ['status=500', [/JSON object/]],
    [{}, [/status or delayMs/]],
    [{ count: 2 }, [/status or delayMs/]],
    [{ status: '500' }, [/^status must be one of 429, 500, 502, 503, 504/]],
    [{ status: 500, retryAfterSeconds: 5 }, [/retryAfterSeconds is allowed only with status 429 or 503/]],
    [{ delayMs: 10, retryAfterSeconds: 5 }, [/retryAfterSeconds is allowed only/]],
    [{ status: 429, retryAfterSeconds: 3601 }, [/retryAfterSeconds must be an integer from 0 to 3600/]],
    [{ status: 429, retryAfterSeconds: 1.5 }, [/retryAfterSeconds must be an integer/]],
    [{ delayMs: 0 }, [/delayMs must be an integer from 1 to 60000/]],
    [{ delayMs: 60001 }, [/delayMs must be an integer/]],
    [{ status: 500, count: 0 }, [/count must be an integer/]],
    [{ status: 500, count: 2.5 }, [/count must be an integer/]],
    [{ status: 500, fraction: 0 }, [/fraction must be a number greater than 0/]],
    [{ status: 500, fraction: '0.5' }, [/fraction must be a number/]],
    [{ status: 500, count: 2, fraction: 0.5 }, [/count and fraction cannot be combined/]],
    [{ status: 500, route: 42 }, [/route must be a string/]],
    [{ status: 500, route: '' }, [/route must be "\*" or/]],
    [{ status: 500, route: 'v1/customers' }, [/route must be "\*" or/]],
    [{ status: 500, route: '/v1/cust*' }, [/whole segment/]],
    [{ status: 500, route: '/v1/**/organization' }, [/final segment/]],
    [{ status: 500, route: '/v1/customers?x=1' }, [/query string/]],
  ];
  for (const [body, expected] of cases) {
    const parsed = parseFaultSpec(body);
    assert.ok('problems' in parsed, `${JSON.stringify(body)} should be refused`);
    assert.equal(parsed.problems.length, expected.length, `${JSON.stringify(body)}: ${parsed.problems.join(' | ')}`);
    expected.forEach((pattern, i) => assert.match(parsed.problems[i]!, pattern));
  }
});

test('retryAfterSeconds defaults to 1 for 429 and 503 and is absent for other statuses', () => {
  assert.deepEqual(spec({ status: 429 }), { route: '*', status: 429, retryAfterSeconds: 1 });
  assert.deepEqual(spec({ status: 503 }), { route: '*', status: 503, retryAfterSeconds: 1 });
  assert.deepEqual(spec({ status: 429, retryAfterSeconds: 0 }), { route: '*', status: 429, retryAfterSeconds: 0 });
  assert.deepEqual(spec({ status: 503, retryAfterSeconds: 3600 }).retryAfterSeconds, 3600);
  for (const status of [500, 502, 504]) assert.equal(spec({ status }).retryAfterSeconds, undefined);
  assert.equal(spec({ delayMs: 5 }).retryAfterSeconds, undefined);
});

test('waitFor waits about the time asked, in real time', async () => {
  const started = performance.now();
  await waitFor(30);
  assert.ok(performance.now() - started >= 25, 'waited at least ~30 ms');
});

test('waitFor stops early when its signal aborts', async () => {
  const controller = new AbortController();
  const started = performance.now();
  const waiting = waitFor(10_000, controller.signal);
  controller.abort();
  await assert.rejects(waiting, { name: 'AbortError' });
  assert.ok(performance.now() - started < 1000);
});
