// Runs the test files with Node's test runner through tsx. Node 20 does not expand globs in --test
// arguments, so the files are listed here.
//
//   node scripts/run-tests.mjs                 every test file
//   node scripts/run-tests.mjs --fast          the fast layer: pure and inject-level tests, i.e. every file
//                                              but *.integration.test.ts (real servers, processes,
//                                              PostgreSQL, Redis, browsers)
//   node scripts/run-tests.mjs test/api seed   only files whose path contains one of these
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, relative } from 'node:path';

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
const only = args.filter((arg) => arg !== '--fast');
const selected = files
  .filter((file) => !fast || !file.endsWith('.integration.test.ts'))
  .filter((file) => only.length === 0 || only.some((part) => file.includes(part)));
if (selected.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
// Test files run in parallel processes; many wait on sockets, child processes and databases rather
// than on the CPU, so one more than the cores keeps the machine busy.
const concurrency = Number(process.env.PCAPI_TEST_CONCURRENCY ?? availableParallelism() + 1);
const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, ...selected.sort()], { stdio: 'inherit' });
process.exit(result.status ?? 1);
