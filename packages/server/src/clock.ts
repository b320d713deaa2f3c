/**
 * The one source of "now" for everything that reads time: token issuing and verification, caches,
 * authorization, throttling, seeding. Product code never calls Date.now() itself, so tests (and
 * later, users) move time instead of sleeping.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

/** The machine's clock. */
export const systemClock: Clock = { now: () => Date.now() };

/** A clock that moves only when told: for tests, and for users who drive time themselves. */
export class ManualClock implements Clock {
  private current: number;

  constructor(start: number | Date = Date.now()) {
    this.current = typeof start === 'number' ? start : start.getTime();
  }

  now(): number {
    return this.current;
  }

  /** Moves time forward (or back, with a negative amount) by `ms` milliseconds. */
  advance(ms: number): void {
    this.current += ms;
  }

  set(to: number | Date): void {
    this.current = typeof to === 'number' ? to : to.getTime();
  }
}

/** Whole seconds since the epoch, as JWT claims count time. */
export const epochSeconds = (clock: Clock): number => Math.floor(clock.now() / 1000);
