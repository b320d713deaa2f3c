// Runs every *.test.ts with Node's test runner through tsx. Node 20 does not expand globs in
// --test arguments, so the files are listed here.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const roots = ['packages', 'conformance', 'bench'];
const files = [];
function walk(dir) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (name.endsWith('.test.ts')) files.push(relative(process.cwd(), path));
  }
}
for (const root of roots) {
  try { walk(root); } catch (error) { if (error.code !== 'ENOENT') throw error; }
}
const only = process.argv.slice(2);
const selected = only.length > 0 ? files.filter((file) => only.some((part) => file.includes(part))) : files;
if (selected.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', ...selected.sort()], { stdio: 'inherit' });
process.exit(result.status ?? 1);
