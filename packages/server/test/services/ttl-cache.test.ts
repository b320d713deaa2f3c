/** The cache every service keeps: bounded, expiring by the clock, and never written by a read older than a data change. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../../src/clock.js';
import { TtlCache } from '../../src/services/ttl-cache.js';

const T0 = Date.parse('2026-06-01T00:00:00Z');

/** A change source the test fires by hand. */
function changes() {
  const listeners: (() => void)[] = [];
  return { onDataChanged: (listener: () => void) => void listeners.push(listener), fire: () => listeners.forEach((listener) => listener()) };
}

const value = (v: string, expiresAt: number) => async () => ({ value: v, expiresAt });

test('entries live until their expiry, by the clock', async () => {
  const clock = new ManualClock(T0);
  const cache = new TtlCache<string>(10, clock);
  await cache.load('a', value('A', T0 + 1000));
  assert.equal(cache.get('a'), 'A');
  clock.set(T0 + 999);
  assert.equal(cache.get('a'), 'A');
  clock.set(T0 + 1000);
  assert.equal(cache.get('a'), undefined);
  assert.equal(cache.size, 0, 'an expired entry is dropped when seen');
});

test('an entry that is already expired is never stored, and evicts nothing', async () => {
  const clock = new ManualClock(T0);
  const cache = new TtlCache<string>(2, clock);
  await cache.load('a', value('A', T0 + 60_000));
  await cache.load('b', value('B', T0 + 60_000));
  // A token accepted inside the clock tolerance: verified, but its exp is already past.
  assert.equal(await cache.load('late', value('LATE', T0 - 1)), 'LATE', 'the value is still returned to the caller');
  assert.equal(await cache.load('now', value('NOW', T0)), 'NOW');
  assert.equal(cache.get('late'), undefined);
  assert.equal(cache.get('a'), 'A', 'the live entries were not pushed out');
  assert.equal(cache.get('b'), 'B');
});

test('full: the oldest entry goes first', async () => {
  const clock = new ManualClock(T0);
  const cache = new TtlCache<string>(2, clock);
  for (const key of ['a', 'b', 'c']) await cache.load(key, value(key.toUpperCase(), T0 + 60_000));
  assert.deepEqual(['a', 'b', 'c'].map((key) => cache.get(key)), [undefined, 'B', 'C']);
});

test('a value computed across a data change is returned but not cached; later loads are', async () => {
  const clock = new ManualClock(T0);
  const source = changes();
  const cache = new TtlCache<string>(10, clock, source);
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  const inFlight = cache.load('k', async () => {
    await held;
    return { value: 'stale', expiresAt: T0 + 60_000 };
  });
  source.fire();
  release();
  assert.equal(await inFlight, 'stale');
  assert.equal(cache.get('k'), undefined);
  await cache.load('k', value('fresh', T0 + 60_000));
  assert.equal(cache.get('k'), 'fresh');
  source.fire();
  assert.equal(cache.get('k'), undefined, 'a change clears what was cached');
});

test('size 0 caches nothing; failures are not cached', async () => {
  const clock = new ManualClock(T0);
  const off = new TtlCache<string>(0, clock);
  await off.load('a', value('A', T0 + 1000));
  assert.equal(off.get('a'), undefined);
  const cache = new TtlCache<string>(10, clock);
  await assert.rejects(cache.load('a', async () => { throw new Error('store down'); }), /store down/);
  assert.equal(cache.size, 0);
});
