/**
 * GCRA in one process's memory: for a single instance, and as the Redis throttle's fallback.
 * Memory is bounded: a key whose TAT has passed is the same as no key and is dropped first; if every
 * entry is still live, the least recently charged go (forgiving their debt rather than growing).
 */
import { systemClock, type Clock } from '../clock.js';
import { gcraParams, gcraStep, keyName, limitedKeys, retryAfterSeconds, toMicroseconds } from './gcra.js';
import type { Throttle, ThrottleKey, ThrottleResult } from './types.js';

export interface MemoryThrottleOptions {
  /** Most keys kept; default 100 000 (about 10 MB). */
  maxEntries?: number;
  /** Where `now` comes from when consume() is not given one; the machine's clock by default. */
  clock?: Clock;
}

export class MemoryThrottle implements Throttle {
  /** Key name → TAT (µs). Insertion order is kept as "least recently charged first" for eviction. */
  private readonly tats = new Map<string, number>();
  private readonly maxEntries: number;
  private readonly clock: Clock;

  constructor(options: MemoryThrottleOptions = {}) {
    this.maxEntries = options.maxEntries ?? 100_000;
    if (!Number.isSafeInteger(this.maxEntries) || this.maxEntries < 1) throw new RangeError(`maxEntries must be ≥ 1, got ${this.maxEntries}`);
    this.clock = options.clock ?? systemClock;
  }

  async ready(): Promise<void> {}

  get size(): number {
    return this.tats.size;
  }

  async consume(keys: readonly ThrottleKey[], now?: number): Promise<ThrottleResult> {
    return this.consumeNow(keys, now ?? this.clock.now());
  }

  /** Synchronous, hence atomic across the keys: no other call can interleave in one JS thread. */
  consumeNow(keys: readonly ThrottleKey[], nowMs: number): ThrottleResult {
    const nowUs = toMicroseconds(nowMs);
    const steps = limitedKeys(keys).map((key) => {
      const name = keyName(key);
      return { key, name, ...gcraStep(this.tats.get(name), nowUs, gcraParams(key.limit)) };
    });
    const worst = steps.reduce<(typeof steps)[number] | undefined>((w, s) => (s.waitUs > 0 && (!w || s.waitUs > w.waitUs) ? s : w), undefined);
    if (worst) return { allowed: false, retryAfterSeconds: retryAfterSeconds(worst.waitUs), key: worst.key };

    for (const { name, newTatUs } of steps) {
      // Re-insert to move the key to the end: a busy tenant's key is never the one evicted.
      this.tats.delete(name);
      this.tats.set(name, newTatUs);
    }
    if (this.tats.size > this.maxEntries) this.shrink(nowUs);
    return { allowed: true };
  }

  async close(): Promise<void> {
    this.tats.clear();
  }

  private shrink(nowUs: number): void {
    for (const [name, tat] of this.tats) if (tat <= nowUs) this.tats.delete(name);
    // Leave 10% headroom, dropping the least recently charged live keys if need be, so the O(n) sweep
    // runs at most once per maxEntries/10 new keys.
    const target = Math.floor(this.maxEntries * 0.9);
    for (const name of this.tats.keys()) {
      if (this.tats.size <= target) break;
      this.tats.delete(name);
    }
  }
}
