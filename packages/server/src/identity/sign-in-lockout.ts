/**
 * Failed-attempt limiting modelled on Entra's smart lockout (entra-flows-facts.md §7): after
 * `threshold` failed sign-ins an account is locked for `durationSeconds`; while locked every attempt
 * is refused, the right secret included; after the lock each further failure locks it again, until a
 * success forgets the failures. One counter per account (Entra keeps one per familiar and one per
 * unfamiliar location; docs/parity.md).
 *
 * The rule lives in lockoutStep(); the memory lockout applies it in one process, the Redis lockout
 * (redis-sign-in-lockout.ts) applies the same rule in a Lua script so that every process counts together.
 */
import type { Clock } from '../clock.js';

export interface LockoutSettings {
  /** Failed attempts that lock an account; 0 turns lockout off. Entra's default is 10. */
  threshold: number;
  /** How long a lock lasts. Entra's first lock lasts 60 s. */
  durationSeconds: number;
}

/** Entra's smart lockout defaults (entra-flows-facts.md §7): 10 failures, then 60 s. */
export const ENTRA_LOCKOUT_DEFAULTS: LockoutSettings = { threshold: 10, durationSeconds: 60 };

/** Failures are forgotten after this long without one (Entra does not publish its window). */
export const FAILURES_REMEMBERED_MS = 60 * 60 * 1000;

export type LockoutVerdict = { allowed: true } | { allowed: false; retryAfterSeconds: number };

export interface SignInLockout {
  /**
   * Counts an attempt on `account` before its credential is checked, and says whether it may be
   * checked at all. Counting first means a burst of parallel guesses cannot all pass before the lock.
   */
  attempt(account: string): Promise<LockoutVerdict>;
  /** The credential was right: the account's failures are forgotten. */
  succeeded(account: string): Promise<void>;
  /** Settles when shared state can be used (Redis's first connection attempt; at once in memory): the app waits for it before serving. */
  ready(): Promise<void>;
  close(): Promise<void>;
}

/** What is remembered per account; epoch milliseconds. */
export interface LockoutState {
  /** Attempts since the last success (the current one included once counted). */
  attempts: number;
  /** 0 when not locked. */
  lockedUntil: number;
  /** When the state is as good as gone. */
  forgetAt: number;
}

/**
 * One attempt against an account's state. A refused attempt changes nothing: it neither counts nor
 * extends the lock, so a locked-out user is back on time however often someone else knocks.
 */
export function lockoutStep(state: LockoutState | undefined, now: number, settings: LockoutSettings): { verdict: LockoutVerdict; next?: LockoutState } {
  if (state && state.lockedUntil > now) {
    return { verdict: { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((state.lockedUntil - now) / 1000)) } };
  }
  const attempts = (state && state.forgetAt > now ? state.attempts : 0) + 1;
  // The attempt that reaches the threshold locks at once: if its credential turns out right,
  // succeeded() lifts the lock; if wrong, the lock stands from this failure on.
  const lockedUntil = attempts >= settings.threshold ? now + settings.durationSeconds * 1000 : 0;
  return { verdict: { allowed: true }, next: { attempts, lockedUntil, forgetAt: Math.max(lockedUntil, now) + FAILURES_REMEMBERED_MS } };
}

export function assertValidLockoutSettings(settings: LockoutSettings): void {
  if (!Number.isSafeInteger(settings.threshold) || settings.threshold < 0) throw new RangeError(`lockout threshold must be a whole number ≥ 0, got ${settings.threshold}`);
  if (!Number.isFinite(settings.durationSeconds) || settings.durationSeconds <= 0) throw new RangeError(`lockout duration must be > 0 seconds, got ${settings.durationSeconds}`);
}

/** Lockout switched off (`threshold` 0): every attempt may be checked. */
export class NoLockout implements SignInLockout {
  async attempt(): Promise<LockoutVerdict> {
    return { allowed: true };
  }
  async succeeded(): Promise<void> {}
  async ready(): Promise<void> {}
  async close(): Promise<void> {}
}

/** Counts in this process's memory: a single instance, and the Redis lockout's fallback. */
export class MemoryLockout implements SignInLockout {
  /** Account → state. Insertion order is "least recently attempted first" for eviction. */
  private readonly states = new Map<string, LockoutState>();

  constructor(
    private readonly settings: LockoutSettings,
    private readonly clock: Clock,
    /** Most accounts remembered (attempts on made-up names count too, so this must be bounded). */
    private readonly maxEntries = 100_000,
  ) {
    assertValidLockoutSettings(settings);
  }

  get size(): number {
    return this.states.size;
  }

  async ready(): Promise<void> {}

  async attempt(account: string): Promise<LockoutVerdict> {
    return this.attemptNow(account);
  }

  /** Synchronous, hence atomic: no other attempt can interleave in one JS thread. */
  attemptNow(account: string): LockoutVerdict {
    const now = this.clock.now();
    const { verdict, next } = lockoutStep(this.states.get(account), now, this.settings);
    if (next) {
      this.states.delete(account); // re-insert: the most recently attempted is evicted last
      this.states.set(account, next);
      if (this.states.size > this.maxEntries) this.shrink(now);
    }
    return verdict;
  }

  async succeeded(account: string): Promise<void> {
    this.states.delete(account);
  }

  async close(): Promise<void> {
    this.states.clear();
  }

  private shrink(now: number): void {
    for (const [account, state] of this.states) if (state.forgetAt <= now) this.states.delete(account);
    // Then the least recently attempted, down to 90% so the sweep runs once per maxEntries/10 accounts.
    const target = Math.floor(this.maxEntries * 0.9);
    for (const account of this.states.keys()) {
      if (this.states.size <= target) break;
      this.states.delete(account);
    }
  }
}
