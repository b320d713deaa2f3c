/**
 * Scaling out (docs/configuration.md, "Scaling out" and "Throttling"), with real processes: two
 * `pcapi serve` children share one data folder (so one signing key), one PostgreSQL database and one
 * Redis, as two instances behind a load balancer would. They must give the same answers, draw from one
 * throttling budget, enforce a GDAP change imported through `pcapi seed` on the next request, ride out
 * a PostgreSQL restart with 503s (never an exit, never a dropped connection), and refuse to start on an
 * unreachable database with exit code 1.
 *
 * PostgreSQL (PCAPI_TEST_POSTGRES) and Redis (PCAPI_TEST_REDIS_URL) must answer: these tests fail,
 * never skip, without them. The restart test restarts a PostgreSQL cluster of its own (initdb in a
 * temp folder; needs the server programs: PCAPI_TEST_PG_BIN or pg_config --bindir), never the shared one.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Redis } from 'ioredis';
import { DEMO_SEED_FILE } from '../../src/seed/import-seed.js';
import { createTestDatabase } from '../helpers/postgres.js';
import { CONTOSO_BODY, DEMO } from '../helpers/test-server.js';
import {
  Processes, REDIS_URL, connectRedis, deleteThrottleKeys, mintToken, pidAlive, runPcapi, sleep, startPrivatePostgres, tempDir,
  type PcapiProcess,
} from './helpers.js';

const LITWARE_BODY =
  '[{"street":"1 Litware Plaza","countryLetterCode":"CA","postalCode":"M5V 2T6","city":"Toronto","state":"ON","displayName":"Litware Inc.","technicalNotificationMails":["it@litware.example"]}]';
const assertNoStack = (text: string) => assert.doesNotMatch(text, /^\s+at .+[:(]\d+/m, `stack trace in:\n${text}`);

interface Answer {
  status: number;
  body: string;
  headers: Record<string, string | null>;
}

/** The headers that must not depend on which process answered (not the per-request ids, not Date, not ms-serverid). */
const COMPARED_HEADERS = ['content-type', 'content-length', 'www-authenticate', 'retry-after'];

async function getOrganization(base: string, customer: string, token?: string, timeoutMs = 5000): Promise<Answer> {
  const response = await fetch(`${base}/v1/customers/${customer}/organization`, {
    headers: { accept: 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    signal: AbortSignal.timeout(timeoutMs),
  });
  const body = await response.text();
  return { status: response.status, body, headers: Object.fromEntries(COMPARED_HEADERS.map((name) => [name, response.headers.get(name)])) };
}

const processes = new Processes();
const dataDir = tempDir();
let redis: Redis;
let database: { url: string; drop(): Promise<void> };
/** The pair the answer and GDAP tests use: unthrottled, so only the store decides. */
let a: PcapiProcess;
let b: PcapiProcess;
/** The URL both processes are known by, as behind one load balancer: A's. */
let publicUrl: string;

const serveArgs = (extra: string[]) => [
  '--port', '0', '--data-dir', dataDir.path, '--database', database.url, '--redis', REDIS_URL, '--log-level', 'info', ...extra,
];

before(async () => {
  // Both services first, so a missing one fails with its own message.
  redis = await connectRedis();
  database = await createTestDatabase();
  // A first: it migrates, loads the demo and creates the signing key; B then shares all three.
  a = await processes.start(serveArgs(['--throttle-tenant', '0', '--throttle-tenant-customer', '0']));
  publicUrl = a.url;
  b = await processes.start(serveArgs(['--throttle-tenant', '0', '--throttle-tenant-customer', '0', '--public-url', publicUrl]));
  assert.notEqual(a.url, b.url, 'each process listens on its own port');
});

after(async () => {
  await processes.killAll();
  if (redis) {
    await deleteThrottleKeys(redis, [DEMO.fabrikam]).catch(() => undefined);
    redis.disconnect();
  }
  await database?.drop();
  dataDir.remove();
});

describe('two pcapi processes on one PostgreSQL, one Redis and one data folder', () => {
  test('give the same answer, byte for byte, to every demo caller and customer', async () => {
    const tokenArgs = (principal: string[], url = publicUrl) => [...principal, '--data-dir', dataDir.path, '--database', database.url, '--public-url', url];
    // pcapi token reads the principal from the shared database and signs with the shared key.
    const [admin, nomfa, automation, adatum, otherIssuer] = await Promise.all([
      mintToken(tokenArgs(['--user', 'admin@fabrikam.example'])),
      mintToken(tokenArgs(['--user', 'nomfa@fabrikam.example'])),
      mintToken(tokenArgs(['--app', DEMO.fabrikamAutomation, '--tenant', 'fabrikam.example'])),
      mintToken(tokenArgs(['--user', 'admin@adatum.example'])),
      // Issued for B's own address rather than the shared public URL: neither process may accept it.
      mintToken(tokenArgs(['--user', 'admin@fabrikam.example'], b.url)),
    ]);

    const cases: { name: string; token: string; customer: string; status: number; check(body: string): void }[] = [
      { name: 'admin@fabrikam on Contoso', token: admin, customer: DEMO.contoso, status: 200, check: (body) => assert.equal(body, CONTOSO_BODY) },
      { name: 'Fabrikam Automation (app-only) on Contoso', token: automation, customer: DEMO.contoso, status: 200, check: (body) => assert.equal(body, CONTOSO_BODY) },
      { name: 'admin@adatum on Litware', token: adatum, customer: DEMO.litware, status: 200, check: (body) => assert.equal(body, LITWARE_BODY) },
      {
        name: 'admin@fabrikam on Tailspin (expired)', token: admin, customer: DEMO.tailspin, status: 403,
        check: (body) => { const parsed = JSON.parse(body); assert.equal(parsed.code, 900308); assert.match(JSON.stringify(parsed.data), /expired on/); },
      },
      {
        name: 'admin@fabrikam on Woodgrove (roles)', token: admin, customer: DEMO.woodgrove, status: 403,
        check: (body) => assert.equal(JSON.parse(body).code, 900308),
      },
      {
        name: 'admin@fabrikam on Northwind (DAP only)', token: admin, customer: DEMO.northwind, status: 403,
        check: (body) => { const parsed = JSON.parse(body); assert.equal(parsed.code, 20002); assert.match(parsed.description, /DAP is not supported/); },
      },
      { name: 'admin@fabrikam on Litware (Adatum\u2019s)', token: admin, customer: DEMO.litware, status: 404, check: (body) => assert.equal(JSON.parse(body).code, 60003) },
      { name: 'Fabrikam Automation on Litware', token: automation, customer: DEMO.litware, status: 404, check: (body) => assert.equal(JSON.parse(body).code, 60003) },
      { name: 'nomfa@fabrikam on Contoso (no MFA)', token: nomfa, customer: DEMO.contoso, status: 401, check: (body) => assert.equal(JSON.parse(body).code, 900421) },
      { name: 'a token issued for B\u2019s own URL', token: otherIssuer, customer: DEMO.contoso, status: 401, check: (body) => assert.equal(JSON.parse(body).code, 400) },
    ];

    for (const c of cases) {
      const [fromA, fromB] = await Promise.all([getOrganization(a.url, c.customer, c.token), getOrganization(b.url, c.customer, c.token)]);
      assert.equal(fromA.status, c.status, `${c.name}: A answered ${fromA.status} ${fromA.body}`);
      assert.equal(fromB.status, c.status, `${c.name}: B answered ${fromB.status} ${fromB.body}`);
      // Error bodies carry no request id, so the whole body must match too, not only some fields.
      assert.equal(fromB.body, fromA.body, `${c.name}: the bodies differ`);
      assert.deepEqual(fromB.headers, fromA.headers, `${c.name}: the headers differ`);
      c.check(fromA.body);
    }
  });

  test('share one throttling budget through Redis: 6 calls in all, then 429 on either', async (t) => {
    // A second pair with a small partner + customer budget; same database, key and Redis.
    const throttled = serveArgs(['--throttle-tenant-customer', '6/60']);
    const a6 = await processes.start(throttled);
    const b6 = await processes.start([...throttled, '--public-url', a6.url]);
    const token = await mintToken(['--user', 'admin@fabrikam.example', '--data-dir', dataDir.path, '--database', database.url, '--public-url', a6.url]);
    // Budgets left over from an earlier run (or another test) must not count: start both at zero.
    await deleteThrottleKeys(redis, [DEMO.fabrikam]);
    t.after(() => deleteThrottleKeys(redis, [DEMO.fabrikam]).then(() => undefined));

    const answers: (Answer & { via: string })[] = [];
    for (let call = 0; call < 8; call++) {
      const via = call % 2 === 0 ? a6 : b6;
      answers.push({ via: via === a6 ? 'A' : 'B', ...(await getOrganization(via.url, DEMO.contoso, token)) });
    }
    const summary = answers.map((x) => `${x.via}:${x.status}`).join(' ');
    assert.deepEqual(answers.map((x) => x.status), [200, 200, 200, 200, 200, 200, 429, 429], summary);
    for (const answer of answers.slice(0, 6)) assert.equal(answer.body, CONTOSO_BODY);
    for (const answer of answers.slice(6)) {
      const retryAfter = answer.headers['retry-after'];
      assert.match(retryAfter ?? '', /^[1-9]\d*$/, `Retry-After is a whole number of seconds (${answer.via}: ${retryAfter})`);
      assert.ok(Number(retryAfter) <= 10, `6 per 60 s frees a call every 10 s; Retry-After was ${retryAfter}`);
      assert.equal(answer.body, JSON.stringify({ statusCode: 429, message: `Rate limit is exceeded. Try again in ${retryAfter} seconds.` }));
    }
    await Promise.all([a6.kill(), b6.kill()]);
  });

  test('a GDAP change imported with pcapi seed is enforced by the other process on its next request', async (t) => {
    const token = await mintToken(['--user', 'admin@fabrikam.example', '--data-dir', dataDir.path, '--database', database.url, '--public-url', publicUrl]);
    const before = await getOrganization(b.url, DEMO.contoso, token);
    assert.equal(before.status, 200, before.body);

    // The demo seed with Contoso's relationship terminated.
    const seed = JSON.parse(readFileSync(DEMO_SEED_FILE, 'utf8'));
    const contoso = seed.partners[0].customers.find((customer: { tenantId: string }) => customer.tenantId === DEMO.contoso);
    assert.equal(contoso.gdapRelationships[0].status, 'active');
    contoso.gdapRelationships[0].status = 'terminated';
    const seedDir = tempDir('pcapi-scale-seed-');
    t.after(() => seedDir.remove());
    const terminated = join(seedDir.path, 'contoso-terminated.seed.json');
    writeFileSync(terminated, JSON.stringify(seed));

    const imported = await runPcapi(['seed', terminated, '--data-dir', dataDir.path, '--database', database.url]);
    assert.equal(imported.code, 0, imported.stderr);
    assert.match(imported.stdout, /: 0 inserted, [1-9]\d* updated, \d+ unchanged$/m, 'the import changed the relationship');
    // The import has committed when the command exits. Poll for up to 1 s, but the first answer must already deny.
    const deadline = Date.now() + 1000;
    const denials: Answer[] = [];
    let answer: Answer;
    do {
      answer = await getOrganization(b.url, DEMO.contoso, token);
      denials.push(answer);
    } while (answer.status === 200 && Date.now() < deadline);
    assert.equal(answer.status, 403, `B still allowed Contoso 1 s after the import: ${answer.body}`);
    const body = JSON.parse(answer.body);
    assert.equal(body.code, 900308);
    assert.match(JSON.stringify(body.data), /terminated/);
    assert.equal(denials.length, 1, `B allowed ${denials.length - 1} request(s) after the import had committed (documented: enforced on the next request)`);
    const onA = await getOrganization(a.url, DEMO.contoso, token);
    assert.equal(onA.status, 403);
    assert.equal(onA.body, answer.body);

    const restored = await runPcapi(['seed', DEMO_SEED_FILE, '--data-dir', dataDir.path, '--database', database.url]);
    assert.equal(restored.code, 0, restored.stderr);
    const again = await getOrganization(b.url, DEMO.contoso, token);
    assert.equal(again.status, 200, again.body);
    assert.equal(again.body, CONTOSO_BODY);
  });

  test('an unreachable database at start-up is a clear error and exit code 1, also with --workers', async () => {
    const dir = tempDir();
    try {
      const runs = await Promise.all(
        [[], ['--workers', '2']].map((extra) =>
          runPcapi(['serve', '--port', '0', '--data-dir', dir.path, '--database', 'postgres://postgres@127.0.0.1:1/x', ...extra], { timeoutMs: 20_000 }),
        ),
      );
      for (const run of runs) {
        assert.equal(run.code, 1, `exit code ${run.code} (signal ${run.signal}); stderr:\n${run.stderr}`);
        assert.ok(run.ms < 10_000, `took ${run.ms} ms to give up`);
        assert.match(run.stderr, /PostgreSQL/);
        assert.match(run.stderr, /127\.0\.0\.1:1\b/, 'the message names the host and port');
        assertNoStack(run.stderr);
        assertNoStack(run.stdout);
      }
    } finally {
      dir.remove();
    }
  });

  test('ride out a PostgreSQL restart under load: only 200 and 503, no dropped connection, no exit, then 200 again', async (t) => {
    // A cluster of this test's own: restarting the shared server would break whatever else uses it
    // (test files run in parallel on machines with more cores, and other people's runs).
    const postgres = await startPrivatePostgres();
    t.after(() => postgres.remove());
    const args = [
      '--port', '0', '--data-dir', dataDir.path, '--database', postgres.url(), '--redis', REDIS_URL, '--log-level', 'info',
      '--throttle-tenant', '0', '--throttle-tenant-customer', '0',
    ];
    const a4 = await processes.start(args);
    const b4 = await processes.start([...args, '--public-url', a4.url]);
    t.after(() => Promise.all([a4.kill(), b4.kill()]).then(() => undefined));
    const token = await mintToken(['--user', 'admin@fabrikam.example', '--data-dir', dataDir.path, '--database', postgres.url(), '--public-url', a4.url]);

    type Via = 'A' | 'B';
    type Outcome = { via: Via; at: number; status?: number; retryAfter?: string | null; body?: string; error?: string };
    const outcomes: Outcome[] = [];
    let running = true;
    const loop = async (via: Via, base: string) => {
      while (running) {
        const at = Date.now();
        try {
          const answer = await getOrganization(base, DEMO.contoso, token, 2000);
          outcomes.push({ via, at, status: answer.status, retryAfter: answer.headers['retry-after'], body: answer.body });
        } catch (error) {
          const cause = (error as { cause?: { code?: string; message?: string } }).cause;
          outcomes.push({ via, at, error: `${(error as Error).name}: ${(error as Error).message}${cause ? ` (${cause.code ?? ''} ${cause.message ?? ''})` : ''}` });
        }
        await sleep(5);
      }
    };
    // Four steady clients, two on each process.
    const loops = [loop('A', a4.url), loop('B', b4.url), loop('A', a4.url), loop('B', b4.url)];
    t.after(async () => {
      running = false;
      await Promise.all(loops);
    });

    await sleep(500);
    const restartAt = Date.now();
    // Down for a second: long enough that both processes must meet the outage, not only a lucky gap.
    const restart = await postgres.restart(1000);
    const restartedAt = Date.now();
    // Service must come back by itself: a 200 from each process, within ~10 s of the restart.
    const recovered = async (via: Via) => {
      while (Date.now() - restartedAt < 10_000) {
        if (outcomes.some((o) => o.via === via && o.at >= restartedAt && o.status === 200)) return true;
        await sleep(50);
      }
      return false;
    };
    const [aBack, bBack] = await Promise.all([recovered('A'), recovered('B')]);
    await sleep(200);
    running = false;
    await Promise.all(loops);

    const count = (filter: (o: Outcome) => boolean) => outcomes.filter(filter).length;
    t.diagnostic(
      `stop ${restart.stoppedMs} ms + 1000 ms down + start ${restart.startedMs} ms; ${outcomes.length} requests: ` +
      `${count((o) => o.status === 200)} × 200, ${count((o) => o.status === 503)} × 503, ${count((o) => o.error !== undefined)} without an answer; ` +
      `statuses ${[...new Set(outcomes.map((o) => o.status ?? 'none'))].join(', ')}`,
    );

    const errors = outcomes.filter((o) => o.error !== undefined);
    assert.deepEqual(errors.slice(0, 5).map((o) => `${o.via}: ${o.error}`), [], `${errors.length} requests got no HTTP answer (a dropped connection or a 2 s timeout)`);
    const unexpected = outcomes.filter((o) => o.status !== 200 && o.status !== 503);
    assert.deepEqual(unexpected.slice(0, 5).map((o) => `${o.via}: ${o.status} ${o.body}`), [], `${unexpected.length} answers were neither 200 nor 503`);
    for (const o of outcomes) {
      if (o.status === 200) assert.equal(o.body, CONTOSO_BODY);
      if (o.status === 503) {
        assert.equal(o.retryAfter, '2', `503 from ${o.via} without Retry-After: 2`);
        const body = JSON.parse(o.body!);
        assert.equal(body.code, 503, o.body);
        assert.match(body.description, /temporarily unavailable/, o.body);
        assert.ok(Array.isArray(body.data), o.body);
      }
    }
    for (const [via, p, back] of [['A', a4, aBack], ['B', b4, bBack]] as const) {
      assert.ok(outcomes.some((o) => o.via === via && o.at < restartAt && o.status === 200), `${via} answered 200 before the restart`);
      assert.ok(outcomes.some((o) => o.via === via && o.status === 503), `${via} answered no 503 while PostgreSQL was down`);
      assert.ok(back, `${via} answered no 200 within 10 s of the restart:\n${p.output().split('\n').slice(-20).join('\n')}`);
      assert.equal(p.child.exitCode, null, `${via} exited:\n${p.output()}`);
      assert.equal(p.child.signalCode, null, `${via} was killed`);
      assert.ok(pidAlive(p.pid), `${via}'s pid ${p.pid} is gone`);
    }
  });
});
