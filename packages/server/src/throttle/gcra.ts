/**
 * GCRA (generic cell rate algorithm, as redis-cell and Stripe describe it), shared by the memory and
 * Redis throttles so both decide identically. One stored number per key: the theoretical arrival time
 * (TAT) of the next request if calls arrived exactly at the steady rate.
 *
 * Times are whole microseconds: Redis TIME's resolution, and integers stay exact in doubles (JS and
 * Redis's Lua) until 2^53 µs, the year 2255, so there is no floating drift at window boundaries.
 */
import type { ThrottleKey, ThrottleLimit } from './types.js';

export interface GcraParams {
  /** Steady spacing between requests: the period divided by the request count, rounded UP to 1 µs so
   * the steady rate can never exceed the configured one (7 per minute spaces calls 8 571 429 µs apart). */
  intervalUs: number;
  /** Burst allowance: `requests` intervals, so the whole per-window budget may be spent at once. */
  windowUs: number;
}

export function gcraParams(limit: ThrottleLimit): GcraParams {
  const periodUs = Math.round(limit.perSeconds * 1_000_000);
  const intervalUs = Math.ceil(periodUs / limit.requests);
  return { intervalUs, windowUs: intervalUs * limit.requests };
}

/**
 * One GCRA step. The call fits iff `waitUs <= 0`; otherwise `waitUs` is exactly how long until it would.
 * A missing or past TAT means "fresh": it is the same state, which is why expired keys can be dropped.
 */
export function gcraStep(tatUs: number | undefined, nowUs: number, params: GcraParams): { newTatUs: number; waitUs: number } {
  // A TAT can never run more than a window ahead of the clock that set it: one that does was set
  // before the clock was moved back (the emulator's clock), and would refuse calls for that long.
  const start = tatUs === undefined || tatUs < nowUs || tatUs > nowUs + params.windowUs ? nowUs : tatUs;
  const newTatUs = start + params.intervalUs;
  return { newTatUs, waitUs: newTatUs - params.windowUs - nowUs };
}

/** Retry-After is whole seconds (HTTP); round up so a client that obeys it is never refused again for it. */
export function retryAfterSeconds(waitUs: number): number {
  return Math.max(1, Math.ceil(waitUs / 1_000_000));
}

export function toMicroseconds(epochMs: number): number {
  return Math.round(epochMs * 1000);
}

/** Rejects limits that would make the arithmetic meaningless, and drops unlimited (`requests: 0`) keys. */
export function limitedKeys(keys: readonly ThrottleKey[]): ThrottleKey[] {
  for (const key of keys) assertValidLimit(key.limit, `${key.scope} limit`);
  return keys.filter((key) => key.limit.requests > 0);
}

export function assertValidLimit(limit: ThrottleLimit, label: string): void {
  const { requests, perSeconds } = limit;
  if (!Number.isSafeInteger(requests) || requests < 0) throw new RangeError(`${label}: requests must be a whole number ≥ 0 (0 = no limit), got ${requests}`);
  if (!Number.isFinite(perSeconds) || Math.round(perSeconds * 1_000_000) < 1) throw new RangeError(`${label}: perSeconds must be > 0, got ${perSeconds}`);
}

/** Storage name of a key, without any prefix; the same in memory and in Redis. */
export function keyName(key: ThrottleKey): string {
  return `${key.scope}:${key.id}`;
}
