/** Seed secrets are hashed once per process: the same hash (and salt) again for the same principal and secret. */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { hashSecret, verifySecret } from '../../src/identity/secrets.js';
import { seedCredentialHash } from '../../src/seed/seed-secret-hashes.js';

test('a secret hashed once is not hashed again: the same hash, salt included', async () => {
  const id = randomUUID();
  const first = await seedCredentialHash(id, 'pcapi-demo', undefined);
  assert.ok(await verifySecret('pcapi-demo', first));
  assert.equal(await seedCredentialHash(id, 'pcapi-demo', undefined), first, 'a fresh store gets the hash already made');
  assert.equal(await seedCredentialHash(id, 'pcapi-demo', first), first, 'a store holding it keeps it');
});

test('each principal gets its own salt, even with the same secret', async () => {
  const a = await seedCredentialHash(randomUUID(), 'same-secret', undefined);
  const b = await seedCredentialHash(randomUUID(), 'same-secret', undefined);
  assert.notEqual(a, b);
});

test('a stored hash is kept while it matches the secret, and replaced when the secret changed', async () => {
  const id = randomUUID();
  const stored = await hashSecret('old-secret');
  assert.equal(await seedCredentialHash(id, 'old-secret', stored), stored, 'matches: kept as it is');
  const changed = await seedCredentialHash(id, 'new-secret', stored);
  assert.notEqual(changed, stored);
  assert.ok(await verifySecret('new-secret', changed));
  assert.equal(await verifySecret('old-secret', changed), false);
});
