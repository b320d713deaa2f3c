/** How the CLI names the store it opened: the kind and where, never a secret. */
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { storeLabel } from '../../src/cli/cli-store.js';

test('SQLite: the absolute file; PostgreSQL: the URL without its password or secret parameters', () => {
  assert.equal(storeLabel({ kind: 'sqlite', file: 'data/pcapi.db' }), `sqlite ${resolve('data/pcapi.db')}`);
  assert.equal(storeLabel({ kind: 'sqlite', file: ':memory:' }), 'sqlite :memory:');
  assert.equal(storeLabel({ kind: 'postgres', url: 'postgres://pcapi:s3cret@db.example:5432/pcapi' }), 'postgres postgres://pcapi@db.example:5432/pcapi');
  const label = storeLabel({ kind: 'postgres', url: 'postgresql://pcapi@db.example/pcapi?sslmode=require&password=s3cret&sslpassword=k3y&sslkey=/k.pem' });
  assert.equal(label, 'postgres postgresql://pcapi@db.example/pcapi?sslmode=require');
  assert.equal(storeLabel({ kind: 'postgres', url: 'not a url s3cret' }), 'postgres (an unparsable URL, not shown)');
});
