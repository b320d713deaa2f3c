// Runs the test files with Node's test runner through tsx. Node 20 does not expand globs in --test
// arguments, so the files are listed here.
//
//   node scripts/run-tests.mjs                 every test file
//   node scripts/run-tests.mjs --fast          the fast layer: pure and inject-level tests, i.e. every file
//                                              but *.integration.test.ts (real servers, processes,
//                                              PostgreSQL, Redis, browsers)
//   node scripts/run-tests.mjs test/api seed   only files whose path contains one of these
//   node scripts/run-tests.mjs --record-durations   every file in a process of its own, and rewrite
//                                              scripts/test-durations.json with their wall times
//
// The fast layer's files share one process per slot, short integration files a few more, the other
// integration files run a process each; longest first (test-plan.mjs).
//
// Before any test starts, the PostgreSQL and Redis that the selected files need must answer
// (test-services.mjs; PCAPI_TEST_POSTGRES and PCAPI_TEST_REDIS_URL say where): otherwise the run stops
// at once, exit code 1, with one message naming what is missing and the command that starts it.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { scanLogs } from './check-log-secrets.mjs';
import { checkServices, servicesNeeded } from './test-services.mjs';
import { pathToFileURL } from 'node:url';
import { buildConsole } from './build-console.mjs';
import { isIntegration, planTestProcesses } from './test-plan.mjs';

const roots = ['packages', 'conformance', 'bench'];
const files = [];
function walk(dir) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (name.endsWith('.test.ts')) files.push(relative(process.cwd(), path));
  }
}
for (const root of roots) {
  try { walk(root); } catch (error) { if (error.code !== 'ENOENT') throw error; }
}
const args = process.argv.slice(2);
const fast = args.includes('--fast');
const recordDurations = args.includes('--record-durations');
const only = args.filter((arg) => !arg.startsWith('--'));
const durationsFile = 'scripts/test-durations.json';
const durations = existsSync(durationsFile) ? JSON.parse(readFileSync(durationsFile, 'utf8')) : {};
const selected = files
  .filter((file) => !fast || !isIntegration(file))
  .filter((file) => only.length === 0 || only.some((part) => file.includes(part)));
if (selected.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
const servicesProblem = await checkServices(servicesNeeded(selected));
if (servicesProblem) {
  console.error(servicesProblem);
  process.exit(1);
}
// The web console's files, which the servers under test serve (a fraction of a second).
await buildConsole();
// Test files run in parallel processes; many wait on sockets, child processes and databases rather
// than on the CPU, so one more than the cores keeps the machine busy.
const concurrency = Number(process.env.PCAPI_TEST_CONCURRENCY ?? availableParallelism() + 1);
// A run of every file (npm test, npm run test:fast) has the tests' apps log everything (level trace,
// a line per request) into a folder, then fails if any line holds a secret (check-log-secrets.mjs).
// PCAPI_TEST_LOG_DIR set by hand does the same for any selection, and keeps the folder.
const givenLogDir = process.env.PCAPI_TEST_LOG_DIR || undefined;
const logDir = givenLogDir ?? (only.length === 0 ? mkdtempSync(join(tmpdir(), 'pcapi-test-logs-')) : undefined);
// A run of every file but --fast (which leaves out what only integration tests produce) records every
// (method, route, status) the in-process apps answer, then holds the OpenAPI document against it
// (check-openapi-coverage.ts). PCAPI_STATUS_RECORD_DIR set by hand records any selection, without the check.
const givenStatusDir = process.env.PCAPI_STATUS_RECORD_DIR || undefined;
const statusDir = givenStatusDir ?? (only.length === 0 && !fast ? mkdtempSync(join(tmpdir(), 'pcapi-test-statuses-')) : undefined);
const preloads = statusDir ? ['--import', pathToFileURL('packages/server/test/openapi/record-statuses.ts').href] : [];
const durationsLog = recordDurations ? join(mkdtempSync(join(tmpdir(), 'pcapi-test-durations-')), 'durations.jsonl') : undefined;
if (durationsLog) preloads.push('--import', pathToFileURL('scripts/record-test-duration.mjs').href);
// run-test-files.mjs reports in TAP when the output is not a terminal (CI, a pipe), as Node 20's
// --test does and Node 24's no longer does: the summary lines (# tests, # pass, # fail) read the same
// on every version.
const plan = planTestProcesses(selected, durations, recordDurations ? 0 : concurrency);
const result = spawnSync(process.execPath, ['--import', 'tsx', ...preloads, 'scripts/run-test-files.mjs', String(concurrency), ...plan.files], {
  stdio: 'inherit',
  env: { ...process.env, ...(durationsLog ? { PCAPI_TEST_DURATIONS_LOG: durationsLog } : {}), ...(logDir ? { PCAPI_TEST_LOG_DIR: logDir } : {}), ...(statusDir ? { PCAPI_STATUS_RECORD_DIR: statusDir } : {}) },
});
plan.cleanup();
let status = result.status ?? 1;
if (durationsLog && existsSync(durationsLog)) {
  for (const line of readFileSync(durationsLog, 'utf8').trim().split('\n')) {
    const { file, seconds } = JSON.parse(line);
    durations[file] = seconds;
  }
  const known = Object.keys(durations).filter((file) => files.includes(file)).sort();
  writeFileSync(durationsFile, `${JSON.stringify(Object.fromEntries(known.map((file) => [file, durations[file]])), null, 1)}\n`);
  rmSync(join(durationsLog, '..'), { recursive: true, force: true });
}
if (logDir) {
  const scan = scanLogs([logDir]);
  for (const hit of scan.hits) console.error(hit);
  console.log(`# log secret scan: ${scan.lines} lines in ${scan.files} files, ${scan.hits.length} with a secret${scan.hits.length ? ` (logs kept in ${logDir})` : ''}`);
  if (scan.hits.length > 0) status = status || 1;
  else if (!givenLogDir) rmSync(logDir, { recursive: true, force: true });
}
if (statusDir && only.length === 0 && !fast) {
  const check = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/check-openapi-coverage.ts', statusDir], { stdio: 'inherit' });
  if (check.status !== 0) status = status || 1;
  if (!givenStatusDir) rmSync(statusDir, { recursive: true, force: true });
}
process.exit(status);
