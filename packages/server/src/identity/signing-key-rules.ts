/**
 * Which of the issuer's keys signs and which are published, at a given time: pure rules over the
 * keys' schedules. The store keeps the rows; the key ring (key-ring.ts) and `pcapi keys` apply these.
 *
 * - Published (in the JWKS, and accepted on tokens): from the key's insertion until its
 *   `published_until` plus the clock tolerance, since processes on other machines may run that far
 *   behind the one that set it. No end set (null): published.
 * - Signing: the newest key (most recently created) whose `signs_from` has come. A key that a newer
 *   rotation superseded before its time never signs.
 * - A rotation adds a key that signs from now + publish-ahead, so validators that cache the JWKS up
 *   to that long see it before any token carries it, and ends the publication of every other key at
 *   that instant + the longest token lifetime + the clock tolerance: the last token an older key
 *   signed has expired by then, everywhere.
 */

export interface KeySchedule {
  kid: string;
  createdAtMs: number;
  signsFromMs: number;
  publishedUntilMs: number | null;
}

/** `pcapi keys list`: next (will sign), current (signs now), retiring (published, signs no more), retired (unpublished). */
export type KeyState = 'next' | 'current' | 'retiring' | 'retired';

export interface RotationSettings {
  /** How long the new key is published before it signs. */
  publishAheadMs: number;
  /** The longest lifetime of a token the issuer signs. */
  tokenLifetimeMs: number;
  toleranceMs: number;
}

export interface RotationPlan {
  /** When the new key starts signing. */
  signsFromMs: number;
  /** Keys whose publication end moves earlier (or is set for the first time). */
  retire: { kid: string; publishedUntilMs: number }[];
}

/** Negative when `a` is newer than `b`: created later, then signing later, then by kid (any fixed order). */
function newer(a: KeySchedule, b: KeySchedule): number {
  return b.createdAtMs - a.createdAtMs || b.signsFromMs - a.signsFromMs || (a.kid < b.kid ? 1 : a.kid > b.kid ? -1 : 0);
}

/** The key to sign with at `nowMs`; undefined only without keys. */
export function signingKeyAt<T extends KeySchedule>(keys: readonly T[], nowMs: number): T | undefined {
  let best: T | undefined;
  for (const key of keys) if (key.signsFromMs <= nowMs && (best === undefined || newer(key, best) < 0)) best = key;
  if (best) return best;
  // A clock set back before every key's signs_from: the key due first, rather than none.
  for (const key of keys) if (best === undefined || key.signsFromMs < best.signsFromMs) best = key;
  return best;
}

export function isPublishedAt(key: KeySchedule, nowMs: number, toleranceMs: number): boolean {
  return key.publishedUntilMs === null || nowMs < key.publishedUntilMs + toleranceMs;
}

export function publishedKeysAt<T extends KeySchedule>(keys: readonly T[], nowMs: number, toleranceMs: number): T[] {
  return keys.filter((key) => isPublishedAt(key, nowMs, toleranceMs));
}

/** The first instant after `nowMs` at which the signing key or the published set changes by time alone; Infinity when none is scheduled. */
export function nextChangeAfter(keys: readonly KeySchedule[], nowMs: number, toleranceMs: number): number {
  let next = Infinity;
  for (const key of keys) {
    if (key.signsFromMs > nowMs) next = Math.min(next, key.signsFromMs);
    if (key.publishedUntilMs !== null && key.publishedUntilMs + toleranceMs > nowMs) next = Math.min(next, key.publishedUntilMs + toleranceMs);
  }
  return next;
}

export function keyStateAt(keys: readonly KeySchedule[], key: KeySchedule, nowMs: number, toleranceMs: number): KeyState {
  if (!isPublishedAt(key, nowMs, toleranceMs)) return 'retired';
  if (signingKeyAt(keys, nowMs)?.kid === key.kid) return 'current';
  // Not signing yet, and no newer key will keep it from signing when its time comes.
  if (key.signsFromMs > nowMs && !keys.some((other) => newer(other, key) < 0)) return 'next';
  return 'retiring';
}

export function planRotation(keys: readonly KeySchedule[], nowMs: number, settings: RotationSettings): RotationPlan {
  const signsFromMs = nowMs + settings.publishAheadMs;
  const end = signsFromMs + settings.tokenLifetimeMs + settings.toleranceMs;
  const retire = keys
    .filter((key) => key.publishedUntilMs === null || key.publishedUntilMs > end)
    .map((key) => ({ kid: key.kid, publishedUntilMs: end }));
  return { signsFromMs, retire };
}
