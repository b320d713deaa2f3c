/**
 * The key ring over a real (in-memory SQLite) store with a ManualClock: the first key, the legacy
 * key file, rotations seen by the ring and by the app's JWKS, token headers, and reloads.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { decodeProtectedHeader, importJWK, SignJWT, decodeJwt, type CryptoKey, type JWK } from 'jose';
import { ManualClock } from '../../src/clock.js';
import { KeyRing, rotateSigningKeys, type KeyRingOptions } from '../../src/identity/key-ring.js';
import { SigningKeyError, SIGNING_KEY_FILE } from '../../src/identity/signing-key.js';
import { certificateThumbprint } from '../../src/identity/self-signed-certificate.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Store } from '../../src/store/store.js';
import { buildInjectApp, DEMO, testSigningKey, TEST_EPOCH } from '../helpers/inject-app.js';

const HOUR = 3_600_000;
const TOLERANCE_SECONDS = 60;

async function memoryStore(t: TestContext): Promise<SqliteStore> {
  const store = new SqliteStore(':memory:');
  await store.init();
  t.after(() => store.close());
  return store;
}

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'pcapi-key-ring-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const open = (store: Store, clock: ManualClock, options: Partial<KeyRingOptions> = {}) =>
  KeyRing.open({ store, clock, clockToleranceSeconds: TOLERANCE_SECONDS, ...options });

/** A store whose signingKeys() calls are counted. */
function counting(store: Store): { store: Store; reads: () => number } {
  let reads = 0;
  const proxy = new Proxy(store, {
    get(target, name, receiver) {
      const value = Reflect.get(target, name, receiver) as unknown;
      if (name === 'signingKeys') return () => (reads++, target.signingKeys());
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { store: proxy, reads: () => reads };
}

test('a store without keys gets one new key, kid = x5t = its certificate thumbprint; rings opened at once agree on it', async (t) => {
  const store = await memoryStore(t);
  const clock = new ManualClock(TEST_EPOCH);
  const rings = await Promise.all([open(store, clock), open(store, clock), open(store, clock)]);
  const stored = await store.signingKeys();
  assert.equal(stored.length, 1);
  const [key] = stored;
  assert.equal(key!.kid, certificateThumbprint(Buffer.from(key!.certificate, 'base64')));
  assert.equal(key!.signsFromMs, TEST_EPOCH);
  for (const ring of rings) {
    const signing = await ring.signingKey();
    assert.equal(signing.kid, key!.kid);
    assert.equal(signing.x5t, key!.kid);
    assert.deepEqual((await ring.publishedJwks()).map((jwk) => jwk.kid), [key!.kid]);
  }
});

test('a legacy signing-key.json becomes the first key with its kid; the file is left as it was and nothing is written to the folder', async (t) => {
  const dir = tempDir(t);
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const legacy = { ...(privateKey.export({ format: 'jwk' }) as JWK), kid: 'kid-of-an-earlier-pcapi', alg: 'RS256', use: 'sig' };
  const text = JSON.stringify(legacy, null, 2) + '\n';
  writeFileSync(join(dir, SIGNING_KEY_FILE), text, { mode: 0o600 });
  const store = await memoryStore(t);
  const ring = await open(store, new ManualClock(TEST_EPOCH), { legacyDataDir: dir });
  const signing = await ring.signingKey();
  assert.equal(signing.kid, 'kid-of-an-earlier-pcapi');
  assert.notEqual(signing.x5t, signing.kid);
  assert.equal(signing.publicJwk.n, legacy.n);
  assert.equal(readFileSync(join(dir, SIGNING_KEY_FILE), 'utf8'), text);
  assert.deepEqual(readdirSync(dir), [SIGNING_KEY_FILE]);

  // Once the store has a key, the file no longer matters.
  writeFileSync(join(dir, SIGNING_KEY_FILE), '{ not json');
  const again = await open(store, new ManualClock(TEST_EPOCH), { legacyDataDir: dir });
  assert.equal((await again.signingKey()).kid, 'kid-of-an-earlier-pcapi');
});

test('an unreadable legacy key file stops the start with a clear error; a data folder that cannot exist is no obstacle', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, SIGNING_KEY_FILE), '{ not json');
  await assert.rejects(open(await memoryStore(t), new ManualClock(TEST_EPOCH), { legacyDataDir: dir }), (error: Error) =>
    error instanceof SigningKeyError && /signing-key\.json is unreadable .*move it away/.test(error.message));

  // A path under a regular file: nothing can be read or created there.
  const file = join(dir, 'a-file');
  writeFileSync(file, '');
  const ring = await open(await memoryStore(t), new ManualClock(TEST_EPOCH), { legacyDataDir: join(file, 'data') });
  assert.equal(typeof (await ring.signingKey()).kid, 'string');
});

test('a rotation: the new key is published at once, signs from its time, and the old key is refused once unpublished', async (t) => {
  const store = await memoryStore(t);
  const clock = new ManualClock(TEST_EPOCH);
  const ring = await open(store, clock);
  const old = await ring.signingKey();

  const rotation = await rotateSigningKeys(store, clock, { publishAheadMs: 2 * HOUR, clockToleranceSeconds: TOLERANCE_SECONDS });
  assert.equal(rotation.signsFromMs, TEST_EPOCH + 2 * HOUR);
  assert.deepEqual(rotation.retired, [{ kid: old.kid, publishedUntilMs: TEST_EPOCH + 3 * HOUR + 60_000 }]);
  await ring.reload(); // the store told the ring; this waits for the reload it started
  assert.deepEqual((await ring.publishedJwks()).map((jwk) => jwk.kid).sort(), [old.kid, rotation.kid].sort());
  assert.equal((await ring.signingKey()).kid, old.kid);
  assert.ok(await ring.verificationKey(rotation.kid));

  clock.set(rotation.signsFromMs);
  assert.equal((await ring.signingKey()).kid, rotation.kid);
  assert.ok(await ring.verificationKey(old.kid), 'the old key verifies while its tokens live');

  clock.set(rotation.retired[0]!.publishedUntilMs + TOLERANCE_SECONDS * 1000 - 1);
  assert.ok(await ring.verificationKey(old.kid));
  clock.advance(1);
  assert.equal(await ring.verificationKey(old.kid), undefined);
  assert.deepEqual((await ring.publishedJwks()).map((jwk) => jwk.kid), [rotation.kid]);
});

test('without notifications, the ring reloads when a scheduled change comes due, and on an unknown kid at most once a second', async (t) => {
  const memory = await memoryStore(t);
  const clock = new ManualClock(TEST_EPOCH);
  await open(memory, clock);
  const rotation = await rotateSigningKeys(memory, clock, { publishAheadMs: HOUR, clockToleranceSeconds: TOLERANCE_SECONDS });
  const { store, reads } = counting(memory);
  const ring = await open(store, clock, { watch: false });
  assert.equal(reads(), 1);

  // Another process rotates again, signing at once; this ring hears nothing.
  clock.advance(10 * 60_000);
  const emergency = await rotateSigningKeys(memory, clock, { publishAheadMs: 0, clockToleranceSeconds: TOLERANCE_SECONDS });
  assert.equal((await ring.signingKey()).kid !== emergency.kid, true);
  assert.equal(reads(), 1, 'no read while nothing is due');

  // A token of the new key: its unknown kid makes the ring look once...
  assert.ok(await ring.verificationKey(emergency.kid));
  assert.equal(reads(), 2);
  // ...and a forger's random kids cost at most one read a second.
  for (let i = 0; i < 20; i++) assert.equal(await ring.verificationKey(`forged-${i}`), undefined);
  assert.equal(reads(), 2);
  clock.advance(1000);
  assert.equal(await ring.verificationKey('forged-again'), undefined);
  assert.equal(reads(), 3);

  // The first rotation's key comes due: the ring reloads then, by itself.
  const third = await rotateSigningKeys(memory, clock, { publishAheadMs: 0, clockToleranceSeconds: TOLERANCE_SECONDS });
  clock.set(rotation.signsFromMs);
  assert.equal((await ring.signingKey()).kid, third.kid);
  assert.equal(reads(), 4);
});

test('the app: JWKS at the v2 and v1 paths like Entra\u2019s, tokens naming kid and x5t, and a fixed key as the store\u2019s first', async (t) => {
  const pcapi = await buildInjectApp(t);
  const fixed = await testSigningKey();
  const v2 = (await (await pcapi.fetch(`/${DEMO.fabrikam}/discovery/v2.0/keys`)).json()) as { keys: JWK[] };
  const v1 = (await (await pcapi.fetch(`/${DEMO.fabrikam}/discovery/keys`)).json()) as { keys: JWK[] };
  assert.deepEqual(v1, v2);
  assert.equal(v2.keys.length, 1);
  const [jwk] = v2.keys;
  assert.equal(jwk!.kid, fixed.kid);
  assert.deepEqual(Object.keys(jwk!).sort(), ['e', 'kid', 'kty', 'n', 'use', 'x5c', 'x5t']);
  assert.equal(jwk!.x5t, certificateThumbprint(Buffer.from(jwk!.x5c![0]!, 'base64')));

  const token = await pcapi.tokenFor(DEMO.fabrikamAutomation);
  assert.deepEqual(decodeProtectedHeader(token), { alg: 'RS256', typ: 'JWT', kid: fixed.kid, x5t: jwk!.x5t });
  assert.equal((await pcapi.getOrganization(DEMO.contoso, { token })).status, 200);
});

test('the app across a rotation: old and new tokens accepted while both keys are published; a fresh token of the retired key refused', async (t) => {
  const pcapi = await buildInjectApp(t);
  const oldKey = await testSigningKey();
  const before = await pcapi.tokenFor(DEMO.fabrikamAutomation);
  const rotation = await rotateSigningKeys(pcapi.store, pcapi.clock, { publishAheadMs: HOUR, clockToleranceSeconds: TOLERANCE_SECONDS });
  const keys = async () => ((await (await pcapi.fetch(`/${DEMO.fabrikam}/discovery/v2.0/keys`)).json()) as { keys: JWK[] }).keys.map((k) => k.kid).sort();
  assert.deepEqual(await keys(), [oldKey.kid, rotation.kid].sort());

  pcapi.clock.set(rotation.signsFromMs - 1000);
  const lastOld = await pcapi.tokenFor(DEMO.fabrikamAutomation);
  assert.equal(decodeProtectedHeader(lastOld).kid, oldKey.kid);
  pcapi.clock.set(rotation.signsFromMs);
  const firstNew = await pcapi.tokenFor(DEMO.fabrikamAutomation);
  assert.equal(decodeProtectedHeader(firstNew).kid, rotation.kid);
  assert.equal(decodeProtectedHeader(firstNew).x5t, rotation.kid);
  for (const token of [before, lastOld, firstNew]) assert.equal((await pcapi.getOrganization(DEMO.contoso, { token })).status, 200);

  // Past the old key's publication: gone from the JWKS, and a token it signs now is refused.
  pcapi.clock.set(rotation.retired[0]!.publishedUntilMs + TOLERANCE_SECONDS * 1000);
  assert.deepEqual(await keys(), [rotation.kid]);
  const claims = decodeJwt(await pcapi.tokenFor(DEMO.fabrikamAutomation));
  const privateKey = (await importJWK(oldKey.privateJwk, 'RS256')) as CryptoKey;
  const forged = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: oldKey.kid }).sign(privateKey);
  const refused = await pcapi.getOrganization(DEMO.contoso, { token: forged });
  assert.equal(refused.status, 401);
  assert.match(((await refused.json()) as { data: string[] }).data.join(' '), /kid/);
});
