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

/** What users set the emulated clock to; shared by every process on a store (emulator setting "clock"). */
export interface EmulatedClockState {
  /** Added to the machine's time; 0 is real time. */
  offsetMs: number;
  /** When set, time stands still at this instant. */
  frozenAtMs: number | null;
}

export const REAL_TIME: EmulatedClockState = { offsetMs: 0, frozenAtMs: null };

/** Whether a stored setting is a clock state (a store may hold anything a user wrote). */
export function isClockState(value: unknown): value is EmulatedClockState {
  const state = value as EmulatedClockState;
  return typeof value === 'object' && value !== null && Number.isFinite(state.offsetMs) && (state.frozenAtMs === null || Number.isFinite(state.frozenAtMs));
}

/**
 * The server's clock when users may move it: the machine's time plus an offset, or frozen at an
 * instant. Reads are one addition; the state changes only through `apply` (from the store, so
 * every process on it shows the same time).
 */
export class EmulatedClock implements Clock {
  private state: EmulatedClockState = REAL_TIME;

  constructor(private readonly machine: Clock = systemClock) {}

  now(): number {
    return this.state.frozenAtMs ?? this.machine.now() + this.state.offsetMs;
  }

  current(): EmulatedClockState {
    return this.state;
  }

  apply(state: EmulatedClockState): void {
    this.state = state;
  }

  /** The state that shows `instant` now, frozen there or running on from it. */
  stateAt(instant: number, frozen: boolean): EmulatedClockState {
    return frozen ? { offsetMs: instant - this.machine.now(), frozenAtMs: instant } : { offsetMs: instant - this.machine.now(), frozenAtMs: null };
  }

  /** The state `ms` later than now, keeping frozen or running. */
  advancedBy(ms: number): EmulatedClockState {
    const { offsetMs, frozenAtMs } = this.state;
    return { offsetMs: offsetMs + ms, frozenAtMs: frozenAtMs === null ? null : frozenAtMs + ms };
  }
}
