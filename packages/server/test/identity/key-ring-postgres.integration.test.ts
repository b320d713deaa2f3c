/**
 * Signing keys shared through PostgreSQL, as by processes on several machines: two stores (two
 * connection pools, each LISTENing) start on an empty database at once and agree on one key; a
 * rotation through the real CLI (`pcapi keys rotate --database`) reaches both by NOTIFY, and both
 * switch and retire together. PostgreSQL must answer at PCAPI_TEST_POSTGRES (tests fail, never skip).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../../src/clock.js';
import { KeyRing } from '../../src/identity/key-ring.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { runPcapi } from '../helpers/run-cli.js';
import { createTestDatabase } from '../helpers/postgres.js';

const TOLERANCE_SECONDS = 60;

async function waitFor(what: string, condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

test('two stores on one PostgreSQL database agree on the first key, and on every key after a rotation by another process', { timeout: 60_000 }, async (t) => {
  const database = await createTestDatabase();
  const stores = [new PostgresStore(database.url), new PostgresStore(database.url)] as const;
  t.after(async () => {
    for (const store of stores) await store.close();
    await database.drop();
  });
  await Promise.all(stores.map((store) => store.init()));
  const clock = new ManualClock();
  const rings = await Promise.all(stores.map((store) => KeyRing.open({ store, clock, clockToleranceSeconds: TOLERANCE_SECONDS })));
  const signing = async () => Promise.all(rings.map(async (ring) => (await ring.signingKey()).kid));
  const published = async () => Promise.all(rings.map(async (ring) => (await ring.publishedJwks()).map((jwk) => jwk.kid).sort()));

  const [first, second] = await signing();
  assert.equal(first, second, 'concurrent first starts agree on one key');
  assert.equal((await stores[0].signingKeys()).length, 1);

  // Another process rotates (the CLI, with its own connection and the machine's clock).
  const rotate = await runPcapi(['keys', 'rotate', '--database', database.url, '--publish-ahead', '1h']);
  assert.equal(rotate.code, 0, rotate.stderr);
  const newKid = /^new signing key (\S+):/m.exec(rotate.stdout)?.[1];
  assert.ok(newKid, rotate.stdout);
  await waitFor('both rings to hear of the new key', async () => (await published()).every((kids) => kids.includes(newKid)));
  assert.deepEqual(await published(), [[first, newKid].sort(), [first, newKid].sort()]);
  assert.deepEqual(await signing(), [first, first], 'published, not signing yet');

  const [oldKey, newKey] = [(await stores[1].signingKeys()).find((key) => key.kid === first)!, (await stores[1].signingKeys()).find((key) => key.kid === newKid)!];
  clock.set(newKey.signsFromMs);
  assert.deepEqual(await signing(), [newKid, newKid]);
  for (const ring of rings) assert.ok(await ring.verificationKey(first!), 'the old key verifies while its tokens live');

  clock.set(oldKey.publishedUntilMs! + TOLERANCE_SECONDS * 1000);
  assert.deepEqual(await published(), [[newKid], [newKid]]);
  for (const ring of rings) assert.equal(await ring.verificationKey(first!), undefined);
});
