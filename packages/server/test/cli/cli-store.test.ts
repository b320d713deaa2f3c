/** How the CLI names the store it opened: the kind and where, never a secret. */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { NoStoreError, openCliStore, storeLabel } from '../../src/cli/cli-store.js';

test('SQLite: the absolute file; PostgreSQL: the URL without its password or secret parameters', () => {
  assert.equal(storeLabel({ kind: 'sqlite', file: 'data/pcapi.db' }), `sqlite ${resolve('data/pcapi.db')}`);
  assert.equal(storeLabel({ kind: 'sqlite', file: ':memory:' }), 'sqlite :memory:');
  assert.equal(storeLabel({ kind: 'postgres', url: 'postgres://pcapi:s3cret@db.example:5432/pcapi' }), 'postgres postgres://pcapi@db.example:5432/pcapi');
  const label = storeLabel({ kind: 'postgres', url: 'postgresql://pcapi@db.example/pcapi?sslmode=require&password=s3cret&sslpassword=k3y&sslkey=/k.pem' });
  assert.equal(label, 'postgres postgresql://pcapi@db.example/pcapi?sslmode=require');
  assert.equal(storeLabel({ kind: 'postgres', url: 'not a url s3cret' }), 'postgres (an unparsable URL, not shown)');
});

test('a SQLite file that does not exist: refused and not created, unless the command creates stores', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pcapi-cli-store-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'data', 'pcapi.db');
  await assert.rejects(openCliStore({ kind: 'sqlite', file }, new PassThrough()), (error: unknown) =>
    error instanceof NoStoreError && error.message.startsWith(`there is no store at ${file}: check --data-dir`));
  assert.equal(existsSync(join(dir, 'data')), false);
  const store = await openCliStore({ kind: 'sqlite', file }, new PassThrough(), { create: true });
  await store.close();
  assert.equal(existsSync(file), true);
  const reopened = await openCliStore({ kind: 'sqlite', file }, new PassThrough());
  await reopened.close();
});
