/** The signing-key rules alone: which key signs, which are published, what a rotation changes. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  isPublishedAt, keyStateAt, nextChangeAfter, planRotation, publishedKeysAt, signingKeyAt, type KeySchedule,
} from '../../src/identity/signing-key-rules.js';

const T0 = Date.parse('2026-06-01T00:00:00Z');
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const TOLERANCE = MINUTE;
const SETTINGS = { publishAheadMs: 2 * HOUR, tokenLifetimeMs: HOUR, toleranceMs: TOLERANCE };

const key = (kid: string, createdAtMs: number, signsFromMs = createdAtMs, publishedUntilMs: number | null = null): KeySchedule => ({ kid, createdAtMs, signsFromMs, publishedUntilMs });

/** The keys after applying a rotation plan at `now` with a new key `kid`. */
function rotate(keys: KeySchedule[], now: number, kid: string, settings = SETTINGS): KeySchedule[] {
  const plan = planRotation(keys, now, settings);
  const ends = new Map(plan.retire.map((r) => [r.kid, r.publishedUntilMs]));
  return [...keys.map((k) => ({ ...k, publishedUntilMs: ends.get(k.kid) ?? k.publishedUntilMs })), key(kid, now, plan.signsFromMs)];
}

test('one key signs from its start, and before it too (a clock set back), and is published with no end', () => {
  const keys = [key('a', T0)];
  assert.equal(signingKeyAt(keys, T0)?.kid, 'a');
  assert.equal(signingKeyAt(keys, T0 - HOUR)?.kid, 'a');
  assert.deepEqual(publishedKeysAt(keys, T0 + 1000 * HOUR, TOLERANCE).map((k) => k.kid), ['a']);
  assert.equal(signingKeyAt([], T0), undefined);
  assert.equal(nextChangeAfter(keys, T0, TOLERANCE), Infinity);
});

test('a rotation publishes the new key at once, signs with it after publish-ahead, and unpublishes the old one after the last token it signed expired', () => {
  const keys = rotate([key('a', T0)], T0 + HOUR, 'b');
  const switchAt = T0 + 3 * HOUR;
  const oldEnd = switchAt + HOUR + TOLERANCE;
  assert.deepEqual(keys.find((k) => k.kid === 'a')?.publishedUntilMs, oldEnd);
  assert.equal(keys.find((k) => k.kid === 'b')?.signsFromMs, switchAt);

  // Before the switch: a signs, both are published.
  assert.equal(signingKeyAt(keys, switchAt - 1)?.kid, 'a');
  assert.deepEqual(publishedKeysAt(keys, switchAt - 1, TOLERANCE).map((k) => k.kid), ['a', 'b']);
  assert.equal(nextChangeAfter(keys, T0 + HOUR, TOLERANCE), switchAt);
  // From the switch: b signs; a stays published while its tokens live (plus the tolerance twice: skewed signers, skewed servers).
  assert.equal(signingKeyAt(keys, switchAt)?.kid, 'b');
  assert.equal(nextChangeAfter(keys, switchAt, TOLERANCE), oldEnd + TOLERANCE);
  assert.equal(isPublishedAt(keys[0]!, oldEnd + TOLERANCE - 1, TOLERANCE), true);
  assert.equal(isPublishedAt(keys[0]!, oldEnd + TOLERANCE, TOLERANCE), false);
  assert.deepEqual(publishedKeysAt(keys, oldEnd + TOLERANCE, TOLERANCE).map((k) => k.kid), ['b']);
  assert.equal(nextChangeAfter(keys, oldEnd + TOLERANCE, TOLERANCE), Infinity);
  // A token signed by a just before the switch expires at switchAt + 1 h; a validator allows the tolerance on exp.
  assert.ok(oldEnd >= switchAt - 1 + SETTINGS.tokenLifetimeMs + TOLERANCE);
});

test('states over a rotation: current and next, then retiring and current, then retired and current', () => {
  const keys = rotate([key('a', T0)], T0, 'b');
  const states = (now: number) => keys.map((k) => keyStateAt(keys, k, now, TOLERANCE));
  assert.deepEqual(states(T0), ['current', 'next']);
  assert.deepEqual(states(T0 + 2 * HOUR), ['retiring', 'current']);
  assert.deepEqual(states(T0 + 2 * HOUR + HOUR + 2 * TOLERANCE), ['retired', 'current']);
});

test('a second rotation before the first came due: the newer key wins, the pending one never signs and is retired with the old one', () => {
  const once = rotate([key('a', T0)], T0, 'b');
  // An emergency rotation half an hour later, signing at once.
  const twice = rotate(once, T0 + 30 * MINUTE, 'c', { ...SETTINGS, publishAheadMs: 0 });
  const end = T0 + 30 * MINUTE + HOUR + TOLERANCE;
  assert.deepEqual(twice.map((k) => [k.kid, k.publishedUntilMs]), [['a', end], ['b', end], ['c', null]]);
  assert.equal(signingKeyAt(twice, T0 + 30 * MINUTE)?.kid, 'c');
  // b's signs_from comes, but c is newer: b never signs.
  assert.equal(signingKeyAt(twice, T0 + 2 * HOUR)?.kid, 'c');
  assert.equal(keyStateAt(twice, twice[1]!, T0 + 30 * MINUTE, TOLERANCE), 'retiring');
});

test('a rotation never extends an end already set, and sets none on the new key', () => {
  const early = T0 + HOUR;
  const keys = [key('old', T0 - 10 * HOUR, T0 - 10 * HOUR, early), key('a', T0 - 5 * HOUR)];
  const plan = planRotation(keys, T0, SETTINGS);
  assert.deepEqual(plan.retire, [{ kid: 'a', publishedUntilMs: T0 + 2 * HOUR + HOUR + TOLERANCE }]);
  assert.equal(plan.signsFromMs, T0 + 2 * HOUR);
  // A later end is moved earlier.
  const late = planRotation([key('x', T0, T0, T0 + 100 * HOUR)], T0, { ...SETTINGS, publishAheadMs: 0 });
  assert.deepEqual(late.retire, [{ kid: 'x', publishedUntilMs: T0 + HOUR + TOLERANCE }]);
});

test('ties in creation time are broken by signs_from, then by kid, the same way every time', () => {
  const keys = [key('a', T0, T0), key('b', T0, T0 + 1), key('c', T0, T0 + 1)];
  assert.equal(signingKeyAt(keys, T0 + 1)?.kid, 'c');
  assert.equal(signingKeyAt([...keys].reverse(), T0 + 1)?.kid, 'c');
  assert.equal(signingKeyAt(keys, T0)?.kid, 'a');
});
