/** makeDirectory: `mkdir -p` that ends with a clear error where Node's recursive mkdir would spin forever. */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { makeDirectory } from '../src/make-directory.js';

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'pcapi-mkdir-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('creates every missing folder, and leaves an existing one as it is', (t) => {
  const root = tempDir(t);
  const deep = join(root, 'a', 'b', 'c');
  makeDirectory(deep);
  assert.ok(statSync(deep).isDirectory());
  makeDirectory(deep);
  makeDirectory(root);
  assert.ok(statSync(deep).isDirectory());
});

test('a file on the way: a clear error, nothing created', (t) => {
  const root = tempDir(t);
  writeFileSync(join(root, 'file'), '');
  assert.throws(() => makeDirectory(join(root, 'file', 'data')), { message: `cannot create the folder ${join(root, 'file', 'data')}: a part of ${join(root, 'file', 'data')} is a file, not a folder` });
  assert.throws(() => makeDirectory(join(root, 'file')), { message: `cannot create the folder ${join(root, 'file')}: ${join(root, 'file')} exists and is not a folder (a file, or a link to nothing)` });
});

test('a link to nothing on the way: a clear error', (t) => {
  const root = tempDir(t);
  symlinkSync(join(root, 'unmounted'), join(root, 'data'));
  assert.throws(() => makeDirectory(join(root, 'data', 'pcapi')), { message: `cannot create the folder ${join(root, 'data', 'pcapi')}: ${join(root, 'data')} exists and is not a folder (a file, or a link to nothing)` });
  assert.equal(existsSync(join(root, 'unmounted')), false);
});

test('a folder that cannot hold one (under /proc): an error at once, where recursive mkdir spins forever', { skip: !existsSync('/proc/self') && 'no /proc here' }, () => {
  assert.throws(() => makeDirectory('/proc/pcapi-data/deeper'), /^Error: cannot create the folder \/proc\/pcapi-data\/deeper: ENOENT/);
});
