/**
 * `npm test`'s pre-flight (scripts/test-services.mjs, called by scripts/run-tests.mjs): with PostgreSQL
 * and Redis pointed at a closed port (PCAPI_TEST_POSTGRES, PCAPI_TEST_REDIS_URL; the machine's own
 * services are left alone), a selection that needs them stops at once with one message naming what is
 * missing and how to start it; the fast layer runs without either.
 */
import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { servicesNeeded } from '../../../../scripts/test-services.mjs';
import { closedPort } from '../helpers/ports.js';
import { REPO_ROOT, runProgram } from '../helpers/run-cli.js';

const needs = servicesNeeded;

function testFiles(): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.test.ts')) files.push(relative(REPO_ROOT, path));
    }
  };
  for (const root of ['packages', 'conformance', 'bench']) walk(join(REPO_ROOT, root));
  return files;
}

const closedServices = async () => {
  const port = await closedPort();
  return { PCAPI_TEST_POSTGRES: `postgres://postgres@127.0.0.1:${port}/test`, PCAPI_TEST_REDIS_URL: `redis://127.0.0.1:${port}`, port };
};

test('which files need which service: integration tests that connect, never the fast layer', () => {
  const files = testFiles();
  const needed = needs(files, REPO_ROOT);
  assert.ok(needed.postgres.includes('packages/server/test/store/postgres-store.integration.test.ts'));
  assert.ok(needed.postgres.includes('packages/server/test/scale/multi-process.integration.test.ts'), 'through test/scale/helpers.ts');
  assert.ok(needed.redis.includes('packages/server/test/throttle/redis-throttle.integration.test.ts'));
  assert.ok(needed.redis.includes('packages/server/test/scale/multi-process.integration.test.ts'));
  // The SQLite store's tests import the shared contract, which imports only databaseUrl (no connection).
  assert.ok(!needed.postgres.includes('packages/server/test/store/sqlite-store.integration.test.ts'));
  const fast = files.filter((file) => !file.endsWith('.integration.test.ts'));
  assert.deepEqual(needs(fast, REPO_ROOT), { postgres: [], redis: [] }, 'npm run test:fast needs neither');
});

test('npm test with PostgreSQL and Redis not answering stops before any test, naming both and how to start them', async () => {
  const env = await closedServices();
  const run = await runProgram(process.execPath, ['scripts/run-tests.mjs', 'test/scale/multi-process', 'test/throttle/redis-throttle'], {
    env: { PCAPI_TEST_POSTGRES: env.PCAPI_TEST_POSTGRES, PCAPI_TEST_REDIS_URL: env.PCAPI_TEST_REDIS_URL },
  });
  assert.equal(run.code, 1, run.stderr);
  assert.equal(run.stdout, '', 'no test ran');
  assert.ok(run.ms < 10_000, `stopped at once (${Math.round(run.ms)} ms)`);
  const message = run.stderr;
  assert.match(message, /^Stopped before running any test: PostgreSQL and Redis do not answer, and the selected tests need them\.$/m);
  assert.match(message, new RegExp(`^PostgreSQL is not answering at 127\\.0\\.0\\.1:${env.port} \\(from PCAPI_TEST_POSTGRES\\): connection refused\\.$`, 'm'));
  assert.match(message, new RegExp(`^Redis is not answering at 127\\.0\\.0\\.1:${env.port} \\(from PCAPI_TEST_REDIS_URL\\): connection refused\\.$`, 'm'));
  assert.match(message, /^ {2}1 test file needs it, e\.g\. packages\/server\/test\/scale\/multi-process\.integration\.test\.ts$/m);
  assert.match(message, /^ {2}2 test files need it, e\.g\. /m);
  assert.match(message, /^ {4}docker run -d --name pcapi-postgres -p 5432:5432 .*postgres:\d+$/m);
  assert.match(message, /^ {4}docker run -d --name pcapi-redis -p 6379:6379 redis:\d+$/m);
  // This kind of machine's own commands, where it has them (as .ci/run starts the services).
  if (statSafe('/etc/postgresql')) assert.match(message, /^ {4}pg_ctlcluster --skip-systemctl-redirect \$\(ls \/etc\/postgresql\) main start$/m);
  assert.match(message, /npm run test:fast/);
  assert.equal(message.match(/is not answering/g)?.length, 2, 'one paragraph per missing service');
});

test('only the missing service is named: a PostgreSQL-only selection says nothing about Redis', async () => {
  const env = await closedServices();
  const run = await runProgram(process.execPath, ['scripts/run-tests.mjs', 'test/store/postgres-store'], {
    env: { PCAPI_TEST_POSTGRES: env.PCAPI_TEST_POSTGRES, PCAPI_TEST_REDIS_URL: env.PCAPI_TEST_REDIS_URL },
  });
  assert.equal(run.code, 1, run.stderr);
  assert.match(run.stderr, /^Stopped before running any test: PostgreSQL does not answer, and the selected tests need it\.$/m);
  assert.doesNotMatch(run.stderr, /Redis/);
});

test('the fast layer runs with neither service answering', async () => {
  const env = await closedServices();
  const run = await runProgram(process.execPath, ['scripts/run-tests.mjs', '--fast', 'test/domain/authorize'], {
    env: { PCAPI_TEST_POSTGRES: env.PCAPI_TEST_POSTGRES, PCAPI_TEST_REDIS_URL: env.PCAPI_TEST_REDIS_URL },
    timeoutMs: 60_000,
  });
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /^# fail 0$/m);
  assert.doesNotMatch(run.stderr, /Stopped before running any test/);
});

function statSafe(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}
